"""What the registry pages show: listed versions with their scores, card, adoption and field results."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.registry_port import Challenge, District, LeadOutcome, ModelPull, RegistryEvent, RegistryListing, Score, Submission, User
from models_registry.outcomes import field_summary
from models_registry.schemas import Adoption, GateReport, RegistryEventOut, RegistryModelOut, VersionDetail, VersionSummary


def registry_models(session: Session) -> list[RegistryModelOut]:
    challenges = session.scalars(select(Challenge).order_by(Challenge.slug)).all()
    listings = session.scalars(select(RegistryListing).order_by(RegistryListing.version)).all()
    by_challenge: dict[int, list[RegistryListing]] = {}
    for listing in listings:
        by_challenge.setdefault(listing.challenge_id, []).append(listing)
    out = []
    for challenge in challenges:
        rows = by_challenge.get(challenge.id, [])
        champion = champion_version(rows)
        summaries = [summary(session, listing=row, champion=champion) for row in rows]
        out.append(RegistryModelOut(
            slug=challenge.slug,
            title_zh=challenge.title_zh,
            title_en=challenge.title_en,
            registered_model=challenge.slug,
            champion_version=champion,
            max_listed=challenge.rules.promotion.max_listed,
            listed=[s for s in summaries if s.listed],
            delisted=[s for s in summaries if not s.listed],
        ))
    return out


def version_detail(session: Session, *, slug: str, version: int) -> VersionDetail | None:
    listing = session.scalar(
        select(RegistryListing).where(RegistryListing.registered_model == slug, RegistryListing.version == version)
    )
    if listing is None:
        return None
    siblings = session.scalars(select(RegistryListing).where(RegistryListing.challenge_id == listing.challenge_id)).all()
    field = field_summary(session, listing=listing)
    base = summary(session, listing=listing, champion=champion_version(siblings), field=field)
    return VersionDetail(
        **base.model_dump(),
        gate_report=GateReport.model_validate(listing.gate_report or {}),
        field=field,
        pull_uri=f"models:/{slug}/{version}",
    )


def champion_version(listings: list[RegistryListing]) -> int | None:
    """The same rule as promotion.repoint_champion: best private score, earlier version on a tie."""
    listed = [row for row in listings if row.listed]
    if not listed:
        return None
    return min(listed, key=lambda row: (-row.private_score, row.version)).version


def summary(
    session: Session, *, listing: RegistryListing, champion: int | None, field: dict | None = None
) -> VersionSummary:
    score = session.get(Score, listing.score_id)
    metrics = score.metrics if score else {}
    primary = metrics.get("primary", "average_precision")
    worst = ((metrics.get("private") or {}).get("worst_district") or {}).get(primary)
    approver = session.get(User, listing.promoted_by) if listing.promoted_by else None
    field = field or field_summary(session, listing=listing)
    return VersionSummary(
        registered_model=listing.registered_model,
        version=listing.version,
        listed=listing.listed,
        is_champion=listing.listed and listing.version == champion,
        team=listing.team.name,
        submission_id=listing.submission_id,
        public_score=listing.public_score,
        private_score=listing.private_score,
        private_ci=[score.private_ci_low, score.private_ci_high] if score and score.private_ci_low is not None else None,
        primary_metric=primary,
        worst_district=worst,
        model_sha256=listing.model_sha256,
        approved_by=approver.username if approver else None,
        reason=listing.reason,
        override=listing.override,
        promoted_at=listing.promoted_at,
        delisted_at=listing.delisted_at,
        adoption=adoption(session, listing=listing),
        field_precision=field["field_precision"],
        drift=field["drift"],
        model_card=listing.model_card,
        runtime=_runtime(session, listing),
    )


def _runtime(session: Session, listing: RegistryListing) -> str:
    from models_registry.promotion import runtime_of

    submission = session.get(Submission, listing.submission_id)
    return runtime_of(submission.challenge, submission) if submission is not None else ""


def adoption(session: Session, *, listing: RegistryListing) -> Adoption:
    districts = session.scalars(
        select(District.code).join(ModelPull, ModelPull.district_id == District.id)
        .where(ModelPull.listing_id == listing.id).distinct().order_by(District.code)
    ).all()
    pulls = session.scalar(select(func.count()).select_from(ModelPull).where(ModelPull.listing_id == listing.id)) or 0
    reported = dict(session.execute(
        select(LeadOutcome.outcome, func.count()).where(LeadOutcome.listing_id == listing.id).group_by(LeadOutcome.outcome)
    ).all())
    return Adoption(
        districts=list(districts),
        pulls=int(pulls),
        leads_reported=int(sum(reported.values())),
        cases_made=int(reported.get("confirmed", 0)),
    )


def event_out(event: RegistryEvent) -> RegistryEventOut:
    return RegistryEventOut(
        id=event.id, at=event.at, registered_model=event.registered_model, kind=event.kind, version=event.version,
        alias=event.alias, previous_version=event.previous_version, actor=event.actor_name, reason=event.reason,
        submission_id=event.submission_id, team=event.team, dataset_version=event.dataset_version,
        dataset_sha256=event.dataset_sha256, scorer_version=event.scorer_version, runtime=event.runtime,
        model_sha256=event.model_sha256, detail=event.detail or {},
    )
