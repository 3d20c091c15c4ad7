"""Remove uploaded model blobs that no submission row names.

Intake stores the blob first and commits the row after (see submissions/intake.py), so a process
killed in between leaves a blob that nothing will ever read.  The reaper calls `sweep_orphans` now
and then.  The grace period is what keeps it from racing a live upload: a blob is only a candidate
once it is older than any upload's put-to-commit window (well under a second; 30 s at worst while
the database is locked), and the row is looked up once more right before each delete.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.db.models import Submission
from dabiwu.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)

PREFIX = "submissions/"
# Reaper passes between sweeps (a pass every 5 s: about once a minute), and on the first pass.
SWEEP_EVERY_PASSES = 12


def sweep_orphans(session: Session, store: ObjectStore, *, older_than_s: float, now: datetime | None = None) -> list[str]:
    """Delete blobs under `submissions/` that have no Submission row and are older than `older_than_s`.

    Returns the deleted keys.  A blob whose age cannot be told is kept.
    """
    now = now or datetime.now(timezone.utc)
    keys = store.list(PREFIX)
    if not keys:
        return []
    named = set(session.scalars(select(Submission.blob_key).where(Submission.blob_key.is_not(None))))
    session.rollback()  # end the read; each delete below re-checks in a fresh transaction
    deleted = []
    for key in keys:
        if key in named:
            continue
        modified = modified_at(store, key)
        if modified is None or (now - modified).total_seconds() < older_than_s:
            continue
        if session.scalar(select(Submission.id).where(Submission.blob_key == key)) is not None:
            session.rollback()
            continue  # its upload committed after the listing
        session.rollback()
        store.delete(key)
        deleted.append(key)
        log.warning("deleted orphaned upload %s (no submission row; stored %s)", key, modified.isoformat())
    return deleted


def modified_at(store: ObjectStore, key: str) -> datetime | None:
    """When the blob was written, or None when this store cannot say (then it is never swept)."""
    own = getattr(store, "modified_at", None)
    try:
        if callable(own):
            return own(key)
        from dabiwu.storage.file_store import FileObjectStore

        if isinstance(store, FileObjectStore):
            return datetime.fromtimestamp(store._path(key).stat().st_mtime, tz=timezone.utc)
        from dabiwu.storage.s3_store import S3ObjectStore

        if isinstance(store, S3ObjectStore):
            return store._head(key)["LastModified"]
    except (FileNotFoundError, ObjectNotFound):
        return None  # deleted meanwhile
    return None
