"""Admin: the challenge bundles on the server's disk (DABIWU_BUNDLE_PATHS), checking and loading one by slug
(never by path)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from dabiwu.challenges.dryrun import check_bundle
from dabiwu.challenges.schemas import BundleCheckOut, BundleLoadOut, BundleOut
from dabiwu.challenges.service import bundle_roots, find_bundle, list_bundles, load_known_bundle
from dabiwu.deps import AdminUser, SessionDep
from dabiwu.pagination import PageDep

router = APIRouter(prefix="/admin/bundles", tags=["challenges"])


@router.get("", response_model=list[BundleOut])
def read_bundles(request: Request, _: AdminUser, session: SessionDep, page: PageDep, response: Response) -> list[dict]:
    """The bundle folders, then the loaded challenges whose folder is elsewhere (`bundle_found` false)."""
    rows = list_bundles(session, roots=bundle_roots(request.app.state.settings))
    response.headers["X-Total-Count"] = str(len(rows))
    start = (page.page - 1) * page.page_size
    return rows[start : start + page.page_size]


@router.post("/{slug}/load", response_model=BundleLoadOut)
def load_bundle_by_slug(slug: str, request: Request, admin: AdminUser, session: SessionDep,
                        draft: bool = False) -> BundleLoadOut:
    """Load (idempotent per version). `draft=true`: a new challenge stays hidden from teams until published."""
    result = load_known_bundle(session, store=request.app.state.store, roots=bundle_roots(request.app.state.settings),
                               slug=slug, actor=admin, draft=draft)
    session.commit()
    dataset = result.dataset
    return BundleLoadOut(slug=result.challenge.slug, version=result.challenge.bundle_version, created=result.created,
                         dataset_version=dataset.id, train_rows=dataset.train_rows, test_rows=dataset.test_rows,
                         status=result.challenge.status)


@router.post("/{slug}/check", response_model=BundleCheckOut)
async def check_bundle_by_slug(slug: str, request: Request, _: AdminUser, session: SessionDep,
                               baseline: bool = True) -> BundleCheckOut:
    """Dry run: every check of a load and the data summary (with the baseline's headroom); stores nothing.
    A bundle with problems is a 200 with `ok: false` and the sentences: the check itself succeeded."""
    path = find_bundle(roots=bundle_roots(request.app.state.settings), slug=slug, session=session)
    report = await run_in_threadpool(check_bundle, path, baseline=baseline)
    prefix = str(path.parent) + "/"
    return BundleCheckOut(slug=report.slug, ok=report.ok, summary=report.summary,
                          problems=[p.replace(prefix, "") for p in report.problems],
                          problems_zh=[p.replace(prefix, "") for p in report.problems_zh])
