"""Admin: the challenge bundles on the server's disk, and loading one by slug (never by path)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dabiwu.challenges.schemas import BundleLoadOut, BundleOut
from dabiwu.challenges.service import bundle_roots, list_bundles, load_known_bundle
from dabiwu.deps import AdminUser, SessionDep
from dabiwu.pagination import PageDep

router = APIRouter(prefix="/admin/bundles", tags=["challenges"])


@router.get("", response_model=list[BundleOut])
def read_bundles(_: AdminUser, session: SessionDep, page: PageDep, response: Response) -> list[dict]:
    rows = list_bundles(session, roots=bundle_roots())
    response.headers["X-Total-Count"] = str(len(rows))
    start = (page.page - 1) * page.page_size
    return rows[start : start + page.page_size]


@router.post("/{slug}/load", response_model=BundleLoadOut)
def load_bundle_by_slug(slug: str, request: Request, admin: AdminUser, session: SessionDep) -> BundleLoadOut:
    # BundleNotFound (404) and BundleError (422) answer themselves.
    result = load_known_bundle(session, store=request.app.state.store, roots=bundle_roots(), slug=slug, actor=admin)
    session.commit()
    dataset = result.dataset
    return BundleLoadOut(slug=result.challenge.slug, version=result.challenge.bundle_version, created=result.created,
                         dataset_version=dataset.id, train_rows=dataset.train_rows, test_rows=dataset.test_rows)
