from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dabiwu.challenges.rules import ChallengeRules, parse_rules
from dabiwu.db.base import Base, utcnow


CHALLENGE_STATUSES = ("draft", "published", "withdrawn")


class Challenge(Base):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title_zh: Mapped[str] = mapped_column(String(256))
    title_en: Mapped[str] = mapped_column(String(256))
    bundle_version: Mapped[str] = mapped_column(String(32))
    # The parsed challenge.yaml (schema-validated).  Holds no secret.
    spec: Mapped[dict]
    readme: Mapped[str] = mapped_column(Text, default="")
    current_dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", use_alter=True, ondelete="SET NULL")
    )
    finalized_at: Mapped[datetime | None]
    # draft (admins and judges only) | published (everyone) | withdrawn (hidden from teams; submissions kept)
    status: Mapped[str] = mapped_column(String(16), default="published", server_default=text("'published'"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    current_dataset: Mapped["DatasetVersion | None"] = relationship(foreign_keys=[current_dataset_id])

    @property
    def rules(self) -> ChallengeRules:
        """The stored spec, typed (parsed once per spec object: assigning a new `spec` parses again).

        Code reads the rules, never `spec`: the dict is only what is stored."""
        cached = self.__dict__.get("_rules_cache")
        spec = self.spec
        if cached is None or cached[0] is not spec:
            cached = (spec, parse_rules(spec, source=f"challenge '{self.slug}'"))
            self.__dict__["_rules_cache"] = cached
        return cached[1]


class DatasetVersion(Base):
    """One generated lead set.  `seed` is the installation's secret: never serialised to any answer."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("challenge_id", "bundle_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    bundle_version: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(BigInteger)
    train_key: Mapped[str] = mapped_column(String(512))
    train_sha256: Mapped[str] = mapped_column(String(64))
    train_rows: Mapped[int]
    test_features_key: Mapped[str] = mapped_column(String(512))
    test_features_sha256: Mapped[str] = mapped_column(String(64))
    test_labels_key: Mapped[str] = mapped_column(String(512))
    test_labels_sha256: Mapped[str] = mapped_column(String(64))
    test_rows: Mapped[int]
    train_csv_key: Mapped[str] = mapped_column(String(512))
    starting_kit_key: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
