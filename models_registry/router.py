"""The registry API: promote and delist (judges), views (districts and staff), pulls and outcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from dabiwu.registry_port import (
    DabiwuError,
    DistrictUser,
    JudgeUser,
    PageDep,
    RegistryReader,
    Score,
    SessionDep,
    Submission,
    challenge_or_404,
    latest_score,
    paginate,
    utcnow,
)
from models_registry import outcomes as outcome_service
from models_registry.history import champion_at, history_query
from models_registry.mlflow_adapter import CHAMPION, backend_for
from models_registry.promotion import PROMOTION_LOCK, check_gates, delist, promote_and_commit
from models_registry.pulls import record_pull
from models_registry.schemas import (
    ChampionAtOut,
    DelistIn,
    DelistOut,
    GateReport,
    OutcomeIn,
    OutcomesResult,
    PromoteIn,
    PromoteOut,
    PullIn,
    PullOut,
    RegistryEventOut,
    RegistryModelOut,
    VersionDetail,
)
from models_registry.times import parse_moment
from models_registry.views import event_out, registry_models, version_detail

router = APIRouter(tags=["registry"])

MAX_CSV_BYTES = 10 * 1024 * 1024


# Refusal (promotion, delisting) and OutcomeError are DabiwuErrors: they answer themselves, with `error_code`
# (Refusal) or `column` (OutcomeError) among the extra fields.


def _no_version(slug: str, version: int) -> DabiwuError:
    return DabiwuError(f"{slug} has no registry version {version}: see GET /api/v1/registry/models.",
                       f"{slug} 没有第 {version} 版：请查看 GET /api/v1/registry/models。",
                       code="registry_version_not_found", status=404)


@router.post("/submissions/{submission_id}/promote", response_model=PromoteOut)
def promote_submission(
    submission_id: str, body: PromoteIn, request: Request, user: JudgeUser, session: SessionDep
) -> PromoteOut:
    result = promote_and_commit(session, settings=request.app.state.settings, store=request.app.state.store,
                                submission_id=submission_id, actor=user, reason=body.reason, override=body.override,
                                sessionmaker=request.app.state.sessionmaker)
    listing = result.listing
    return PromoteOut(
        registered_model=listing.registered_model,
        version=listing.version,
        alias=CHAMPION if result.champion_version == listing.version else None,
        champion_version=result.champion_version,
        model_sha256=listing.model_sha256,
        gates=GateReport.model_validate(listing.gate_report),
    )


@router.get("/submissions/{submission_id}/promotion-gates", response_model=GateReport)
def preview_gates(submission_id: str, request: Request, user: JudgeUser, session: SessionDep) -> GateReport:
    """The gate report a promotion would get now, without promoting."""
    submission = session.get(Submission, submission_id)
    score: Score | None = latest_score(session, submission_id=submission_id) if submission else None
    if submission is None or score is None:
        raise DabiwuError(f"No scored submission {submission_id}.", f"没有已评分的提交 {submission_id}。",
                          code="submission_not_found", status=404)
    return check_gates(session, store=request.app.state.store, challenge=submission.challenge, score=score)


@router.post("/registry/{slug}/versions/{version}/delist", response_model=DelistOut)
def delist_version(
    slug: str, version: int, request: Request, user: JudgeUser, session: SessionDep, body: DelistIn | None = None
) -> DelistOut:
    backend = backend_for(request.app.state.settings)
    with PROMOTION_LOCK:
        listing, champion = delist(
            session, backend=backend, slug=slug, version=version, actor=user, reason=body.reason if body else None
        )
        session.commit()
    return DelistOut(registered_model=slug, version=listing.version, listed=listing.listed, champion_version=champion)


@router.get("/registry/models", response_model=list[RegistryModelOut])
def list_registry(user: RegistryReader, session: SessionDep) -> list[RegistryModelOut]:
    return registry_models(session)


@router.get("/registry/models/{slug}/versions/{version}", response_model=VersionDetail)
def read_version(slug: str, version: int, user: RegistryReader, session: SessionDep) -> VersionDetail:
    detail = version_detail(session, slug=slug, version=version)
    if detail is None:
        raise _no_version(slug, version)
    return detail


@router.get("/registry/models/{slug}/history", response_model=list[RegistryEventOut])
def model_history(
    slug: str, user: RegistryReader, session: SessionDep, page: PageDep, response: Response,
    at: Annotated[str | None, Query(description="only events at or before this time (ISO 8601; a date means the "
                                                "end of that day, Beijing time)")] = None,
    kind: Annotated[list[str] | None, Query(description="only these kinds (repeat the parameter)")] = None,
) -> list[RegistryEventOut]:
    """Alias moves, promotions, delistings and gate results of one registered model, newest first."""
    challenge_or_404(session, slug)
    until = parse_moment(at) if at else None
    return [event_out(row) for row in paginate(session, history_query(slug, until=until, kinds=kind), page, response)]


@router.get("/registry/models/{slug}/champion", response_model=ChampionAtOut)
def model_champion_at(
    slug: str, user: RegistryReader, session: SessionDep,
    at: Annotated[str | None, Query(description="ISO 8601 time, or a date (its end, Beijing time); default now")] = None,
) -> ChampionAtOut:
    """Which version was the champion at `at`, with the lineage of the move that made it so."""
    challenge_or_404(session, slug)
    moment = parse_moment(at) if at else utcnow()
    event = champion_at(session, registered_model=slug, at=moment)
    return ChampionAtOut(registered_model=slug, alias=CHAMPION, at=moment,
                         version=event.version if event is not None else None,
                         since=event.at if event is not None else None,
                         event=event_out(event) if event is not None else None)


@router.post("/registry/pulls", response_model=PullOut, status_code=201)
def report_pull(body: PullIn, user: RegistryReader, session: SessionDep) -> PullOut:
    """For copies fetched outside /mlflow (pulls through /mlflow are recorded by the server itself)."""
    pull = record_pull(session, user=user, registered_model=body.registered_model, version=body.version, via="client")
    if pull.listing_id is None:
        raise _no_version(body.registered_model, body.version)
    session.commit()
    return PullOut(id=pull.id, registered_model=pull.registered_model, version=pull.version, pulled_at=pull.pulled_at)


@router.post("/registry/{slug}/outcomes", response_model=OutcomesResult)
def report_outcomes(slug: str, body: list[OutcomeIn], user: DistrictUser, session: SessionDep) -> OutcomesResult:
    challenge = challenge_or_404(session, slug)
    rows = [outcome_service.normalise_row(line=index, **item.model_dump()) for index, item in enumerate(body, start=1)]
    counts = outcome_service.upsert_outcomes(session, user=user, challenge=challenge, rows=rows)
    session.commit()
    return OutcomesResult(**counts)


@router.post("/registry/{slug}/outcomes.csv", response_model=OutcomesResult)
def upload_outcomes(
    slug: str,
    user: DistrictUser,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV with columns lead_id, version, outcome[, note]")],
) -> OutcomesResult:
    challenge = challenge_or_404(session, slug)
    data = file.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise DabiwuError("The CSV is larger than 10 MB: split it into smaller files.",
                          "CSV 文件超过 10 MB：请拆分成较小的文件。", code="csv_too_large", status=413)
    rows = outcome_service.parse_outcomes_csv(data)
    counts = outcome_service.upsert_outcomes(session, user=user, challenge=challenge, rows=rows)
    session.commit()
    return OutcomesResult(**counts)
