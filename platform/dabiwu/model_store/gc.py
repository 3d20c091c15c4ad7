"""`dabiwu storage gc`: expire what the retention policy lets go, then mark and sweep over the database.

Mark: a tree lives while a submission whose model has not expired names it; a blob lives while a tree
lists it. Sweep: each dead row goes in one conditional DELETE that re-checks, inside the statement, that
nothing names it and that no upload touched it within the grace period; only a row actually deleted has
its object deleted, before the commit. An upload reusing a blob or tree touches (upserts) its row first:
on PostgreSQL that upsert waits for a DELETE in flight and then re-creates the row, and the upload stores
the object again if the sweep removed it; SQLite runs one writer at a time. So a delete of one
submission's reference never removes bytes another submission still uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.db.models import Challenge, Job, ModelBlob, ModelTree, ModelTreeFile, RegistryListing, Submission
from dabiwu.db.models.submissions import TERMINAL_STATUSES
from dabiwu.model_store.policy import Plan, plan_for
from dabiwu.model_store.trees import blob_key
from dabiwu.settings import Settings
from dabiwu.storage import ObjectStore

log = logging.getLogger(__name__)
CHUNK = 500


@dataclass
class GcResult:
    dry_run: bool
    plans: list[Plan] = field(default_factory=list)
    expired: int = 0  # submissions whose model files expired in this run (would, in a dry run)
    trees: int = 0
    blobs: int = 0
    archives: int = 0  # pre-0007 archives
    bytes_freed: int = 0

    def to_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "expired": self.expired, "trees": self.trees, "blobs": self.blobs,
            "archives": self.archives, "bytes_freed": self.bytes_freed,
            "challenges": [{"slug": p.slug, "expire_after_days": p.expire_after_days,
                            "expires_at": p.expires_at.isoformat() if p.expires_at else None,
                            "kept": len(p.keep), "expiring": len(p.expire), "already_expired": p.already_expired,
                            "not_yet_due": p.not_yet_due} for p in self.plans],
        }


def sweepable(*, live: dict[str, str | None], expiring: set[str], tree_blobs: dict[str, set[str]],
              blob_sizes: dict[str, int], fresh_trees: set[str], fresh_blobs: set[str]) -> tuple[set[str], set[str]]:
    """Trees and blobs that nothing names once `expiring` submissions expire (pure: the benchmark uses it).

    `live`: submission id -> tree sha256 for submissions not expired; `fresh_*`: touched within the grace."""
    kept_trees = {tree for sub, tree in live.items() if tree and sub not in expiring} | fresh_trees
    dead_trees = set(tree_blobs) - kept_trees
    kept_blobs = set().union(*(tree_blobs[t] for t in kept_trees if t in tree_blobs)) | fresh_blobs
    return dead_trees, set(blob_sizes) - kept_blobs


def run(session: Session, *, store: ObjectStore, settings: Settings, apply: bool, actor=None,  # noqa: ANN001
        now: datetime | None = None) -> GcResult:
    now = now or datetime.now(timezone.utc)
    result = GcResult(dry_run=not apply)
    for challenge in session.scalars(select(Challenge).order_by(Challenge.slug)).all():
        result.plans.append(plan_for(session, challenge=challenge, settings=settings, now=now))
    expiring = {sub for plan in result.plans for sub in plan.expire}
    if apply:
        result.expired = _expire(session, plans=result.plans, now=now, actor=actor)
        session.commit()
        expiring = set()  # now in the database
    else:
        result.expired = len(expiring)
    cutoff = now - timedelta(seconds=settings.storage_gc_grace_seconds)
    dead_trees, dead_blobs, sizes = _mark(session, expiring=expiring, cutoff=cutoff)
    archives = _expired_archives(session, extra=expiring)
    session.rollback()  # end the read: each delete below re-checks in its own transaction
    if apply:
        result.archives, freed = _sweep_archives(session, store=store, archives=archives)
        result.trees = _sweep_trees(session, dead_trees, cutoff=cutoff)
        result.blobs, blob_bytes = _sweep_blobs(session, store=store, blobs=dead_blobs, sizes=sizes, cutoff=cutoff)
        result.bytes_freed = freed + blob_bytes
    else:
        result.archives, result.trees, result.blobs = len(archives), len(dead_trees), len(dead_blobs)
        result.bytes_freed = sum(size for _, _, size in archives) + sum(sizes[b] for b in dead_blobs)
    record(session, actor=actor, action="storage.gc" if apply else "storage.gc_dry_run", object_type="storage",
           object_id=store.url[:64], detail=result.to_dict())
    session.commit()
    return result


def _expire(session: Session, *, plans: list[Plan], now: datetime, actor) -> int:  # noqa: ANN001
    """One conditional UPDATE per chunk: a submission made final, promoted or requeued meanwhile stays."""
    total = 0
    for plan in plans:
        # The challenge's row lock, as promotion takes it: a promotion in flight finishes (and its listing keeps
        # the model) before its submission can expire; on SQLite the single writer does the same.
        session.execute(select(Challenge.id).where(Challenge.id == plan.challenge_id).with_for_update())
        done = 0
        for start in range(0, len(plan.expire), CHUNK):
            ids = plan.expire[start:start + CHUNK]
            done += session.execute(
                update(Submission).where(
                    Submission.id.in_(ids), Submission.model_expired_at.is_(None), Submission.is_final.is_(False),
                    Submission.status.in_(TERMINAL_STATUSES),
                    ~exists().where(RegistryListing.submission_id == Submission.id),
                    ~exists().where(Job.submission_id == Submission.id, Job.status.in_(("queued", "running"))),
                ).values(model_expired_at=now).execution_options(synchronize_session=False)
            ).rowcount
        if done:
            record(session, actor=actor, action="storage.expire", object_type="challenge", object_id=plan.slug,
                   detail={"expired": done, "expire_after_days": plan.expire_after_days,
                           "submissions": plan.expire[:200]})
        total += done
    return total


def _mark(session: Session, *, expiring: set[str], cutoff: datetime):
    live = dict(session.execute(select(Submission.id, Submission.tree_sha256).where(
        Submission.model_expired_at.is_(None), Submission.tree_sha256.is_not(None))).all())
    tree_blobs: dict[str, set[str]] = {t: set() for t in session.scalars(select(ModelTree.sha256))}
    for tree, blob in session.execute(select(ModelTreeFile.tree_sha256, ModelTreeFile.blob_sha256)):
        tree_blobs.setdefault(tree, set()).add(blob)
    sizes = dict(session.execute(select(ModelBlob.sha256, ModelBlob.stored_size)).all())
    fresh_trees = set(session.scalars(select(ModelTree.sha256).where(ModelTree.touched_at >= cutoff)))
    fresh_blobs = set(session.scalars(select(ModelBlob.sha256).where(ModelBlob.touched_at >= cutoff)))
    dead_trees, dead_blobs = sweepable(live=live, expiring=expiring, tree_blobs=tree_blobs, blob_sizes=sizes,
                                       fresh_trees=fresh_trees, fresh_blobs=fresh_blobs)
    return dead_trees, dead_blobs, sizes


def _expired_archives(session: Session, *, extra: set[str]) -> list[tuple[str, str, int]]:
    """Pre-0007 archives (one per submission, never shared) of expired submissions: (id, key, bytes)."""
    rows = session.execute(select(Submission.id, Submission.blob_key, Submission.size_bytes, Submission.model_expired_at)
                           .where(Submission.blob_key.is_not(None))).all()
    return [(r.id, r.blob_key, r.size_bytes or 0) for r in rows if r.model_expired_at is not None or r.id in extra]


def _sweep_archives(session: Session, *, store: ObjectStore, archives) -> tuple[int, int]:  # noqa: ANN001
    count = freed = 0
    for submission_id, key, size in archives:
        moved = session.execute(update(Submission).where(
            Submission.id == submission_id, Submission.blob_key == key, Submission.model_expired_at.is_not(None),
        ).values(blob_key=None).execution_options(synchronize_session=False)).rowcount
        if moved:
            store.delete(key)
            count, freed = count + 1, freed + size
        session.commit()
    return count, freed


def _sweep_trees(session: Session, trees: set[str], *, cutoff: datetime) -> int:
    count = 0
    for tree in sorted(trees):
        count += session.execute(delete(ModelTree).where(
            ModelTree.sha256 == tree, ModelTree.touched_at < cutoff,
            ~exists().where(and_(Submission.tree_sha256 == tree, Submission.model_expired_at.is_(None))),
        ).execution_options(synchronize_session=False)).rowcount
        session.commit()  # the files rows go with it (ON DELETE CASCADE)
    return count


def _sweep_blobs(session: Session, *, store: ObjectStore, blobs: set[str], sizes: dict[str, int],
                 cutoff: datetime) -> tuple[int, int]:
    count = freed = 0
    for blob in sorted(blobs):
        gone = session.execute(delete(ModelBlob).where(
            ModelBlob.sha256 == blob, ModelBlob.touched_at < cutoff,
            ~exists().where(ModelTreeFile.blob_sha256 == blob),
        ).execution_options(synchronize_session=False)).rowcount
        if gone:
            try:
                store.delete(blob_key(blob))  # before the commit: an upload's upsert of this row waits for us
            except BaseException:
                session.rollback()
                raise
            count, freed = count + 1, freed + sizes.get(blob, 0)
        session.commit()
    return count, freed
