"""The registry's history: every alias move, promotion, delisting and gate result, with lineage.

MLflow keeps only where `champion` points now.  Each change is also written here, in the same
transaction as the listing it belongs to, so the history and the listings cannot disagree; the rows
are only ever inserted.  `champion_at(t)` answers "which version was the champion at t, and which
submission, dataset version, scorer version and runtime made it" from these rows alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dabiwu.registry_port import DatasetVersion, RegistryEvent, RegistryListing, Score, Submission, User, utcnow


def lineage(session: Session, listing: RegistryListing, *, runtime: str | None = None) -> dict:
    """What made this version: copied into each event, so the answer outlives later changes."""
    submission = session.get(Submission, listing.submission_id)
    score = session.get(Score, listing.score_id)
    dataset = session.get(DatasetVersion, score.dataset_id) if score is not None else None
    info = submission.model_info if submission is not None and isinstance(submission.model_info, dict) else {}
    return {
        "submission_id": listing.submission_id,
        "team": listing.team.name if listing.team is not None else None,
        "dataset_version": f"{dataset.bundle_version} (#{dataset.id})" if dataset is not None else None,
        "dataset_sha256": score.dataset_sha256 if score is not None else None,
        "scorer_version": score.scorer_version if score is not None else None,
        "runtime": runtime or (str(info.get("runtime")) if info.get("runtime") else None),
        "model_sha256": listing.model_sha256,
    }


def record_event(
    session: Session, *, registered_model: str, kind: str, actor: User | None, version: int | None = None,
    listing: RegistryListing | None = None, alias: str | None = None, previous_version: int | None = None,
    reason: str | None = None, detail: dict | None = None, at: datetime | None = None, runtime: str | None = None,
) -> RegistryEvent:
    event = RegistryEvent(
        at=at or utcnow(), registered_model=registered_model, kind=kind, version=version, alias=alias,
        previous_version=previous_version, actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system", reason=reason, detail=detail or {},
        **(lineage(session, listing, runtime=runtime) if listing is not None else {}),
    )
    session.add(event)
    session.flush()
    return event


def last_alias_target(session: Session, *, registered_model: str, alias: str) -> tuple[bool, int | None]:
    """(known, version): where the history last saw `alias` point; known=False before its first move."""
    event = session.scalar(
        select(RegistryEvent)
        .where(RegistryEvent.registered_model == registered_model, RegistryEvent.kind == "alias_moved",
               RegistryEvent.alias == alias)
        .order_by(RegistryEvent.at.desc(), RegistryEvent.id.desc()).limit(1)
    )
    return (event is not None, event.version if event is not None else None)


def record_alias_move(
    session: Session, *, registered_model: str, alias: str, previous: int | None, target: int | None,
    actor: User | None, reason: str | None, cause: str, at: datetime | None = None,
) -> RegistryEvent | None:
    """An `alias_moved` event when the alias now names another version (or none); None if it did not move."""
    if previous == target:
        return None
    listing, runtime = None, None
    if target is not None:
        listing = session.scalar(select(RegistryListing).where(
            RegistryListing.registered_model == registered_model, RegistryListing.version == target))
        # the runtime its promotion recorded (resolved then from the submission, the challenge or the default)
        runtime = session.scalar(select(RegistryEvent.runtime).where(
            RegistryEvent.registered_model == registered_model, RegistryEvent.version == target,
            RegistryEvent.kind == "promoted").order_by(RegistryEvent.id.desc()).limit(1))
    return record_event(session, registered_model=registered_model, kind="alias_moved", actor=actor, version=target,
                        listing=listing, alias=alias, previous_version=previous, reason=reason,
                        detail={"cause": cause}, at=at, runtime=runtime)


def history_query(registered_model: str, *, until: datetime | None = None, kinds: list[str] | None = None) -> Select:
    query = select(RegistryEvent).where(RegistryEvent.registered_model == registered_model)
    if until is not None:
        query = query.where(RegistryEvent.at <= until)
    if kinds:
        query = query.where(RegistryEvent.kind.in_(kinds))
    return query.order_by(RegistryEvent.at.desc(), RegistryEvent.id.desc())


def champion_at(session: Session, *, registered_model: str, at: datetime, alias: str = "champion") -> RegistryEvent | None:
    """The alias move in force at `at` (its `version` is None if the alias named nothing then)."""
    return session.scalar(
        history_query(registered_model, until=at, kinds=["alias_moved"]).where(RegistryEvent.alias == alias).limit(1)
    )
