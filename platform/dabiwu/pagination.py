"""Lists answer a JSON array plus `X-Total-Count`; `page` is 1-based."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int


def page_params(
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500, description="rows per page")] = 25,
) -> Page:
    return Page(page=page, page_size=page_size)


PageDep = Annotated[Page, Depends(page_params)]


def paginate(session: Session, query: Select, page: Page, response: Response) -> list[Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    response.headers["X-Total-Count"] = str(total or 0)
    rows = session.scalars(query.limit(page.page_size).offset((page.page - 1) * page.page_size))
    return list(rows.all())
