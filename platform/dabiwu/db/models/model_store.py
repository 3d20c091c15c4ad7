"""Validated model trees, stored once by content (issue #18 item 5, #19 item 2).

Intake extracts and validates a submission's archive once, then keeps the tree as one object per
distinct file content (`model_blobs`, keyed by the file's sha256) and one manifest per distinct tree
(`model_trees`, keyed by the sha256 of its canonical manifest, listed in `model_tree_files`).
Scoring and promotion write the files back from these rows; nothing unpacks the archive again.

Liveness is decided from the database (mark and sweep, see dabiwu/model_store/gc.py): a tree lives while
a submission whose model has not expired names it; a blob lives while a tree lists it. `touched_at` is
set by intake before it stores or reuses a row, and gc leaves rows touched within its grace period, so
an upload in flight never loses what it is about to reference.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dabiwu.db.base import Base, utcnow


class ModelBlob(Base):
    __tablename__ = "model_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)  # the file's own bytes
    stored_size: Mapped[int] = mapped_column(BigInteger)  # what the object takes (gzip; see model_store/trees.py)
    touched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ModelTree(Base):
    __tablename__ = "model_trees"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    files: Mapped[int]
    bytes: Mapped[int] = mapped_column(BigInteger)
    touched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ModelTreeFile(Base):
    __tablename__ = "model_tree_files"

    tree_sha256: Mapped[str] = mapped_column(ForeignKey("model_trees.sha256", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    # No ON DELETE: the database itself refuses to drop a blob that a tree still lists.
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("model_blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
