from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dabiwu.challenges.phases import current_phase
from dabiwu.challenges.rules import (Bilingual, ColumnRule, LimitsRule, MetricRule, PhasesRule, PromotionRule,
                                     RankingRule, RubricItem)
from dabiwu.db.models import Challenge
from dabiwu.schema_types import Sparse


class ChallengeOut(BaseModel):
    id: str
    slug: str
    title_zh: str
    title_en: str
    phase: Literal["upcoming", "open", "closed", "finalized"]
    # draft (admins and judges only) | published | withdrawn (hidden from teams; submissions kept)
    status: Literal["draft", "published", "withdrawn"] = "published"
    bundle_version: str
    dataset_version: int | None
    train_rows: int | None
    test_rows: int | None
    readme: str
    # The rules every signed-in user may read: challenge.yaml but `slug`, `version` and the titles (the fields above
    # carry them) and `data` (the sizes are the dataset's train_rows / test_rows).  A new rule stays server-side
    # unless it is added here on purpose.
    description_zh: str
    description_en: str
    supervision_point: Bilingual
    columns: list[ColumnRule]
    id_column: str
    label_column: str
    group_column: str
    metric: MetricRule
    phases: PhasesRule
    limits: LimitsRule
    rubric: list[RubricItem]
    ranking: RankingRule
    promotion: PromotionRule
    runtime: str  # the scoring runtime its models run in (runtimes/NAME/requirements.lock)
    # Optional: with id_column, what makes two flagged records one lead in a district's queue.
    lead_merge_key: str | None = None

    @classmethod
    def of(cls, challenge: Challenge) -> "ChallengeOut":
        from dabiwu.settings import get_settings

        dataset, rules = challenge.current_dataset, challenge.rules
        return cls(
            id=challenge.slug,
            slug=challenge.slug,
            title_zh=challenge.title_zh,
            title_en=challenge.title_en,
            phase=current_phase(rules.phases, finalized_at=challenge.finalized_at),
            status=challenge.status or "published",
            bundle_version=challenge.bundle_version,
            dataset_version=dataset.id if dataset else None,
            train_rows=dataset.train_rows if dataset else None,
            test_rows=dataset.test_rows if dataset else None,
            readme=challenge.readme,
            description_zh=rules.description_zh,
            description_en=rules.description_en,
            supervision_point=rules.supervision_point,
            columns=list(rules.columns),
            id_column=rules.id_column,
            label_column=rules.label_column,
            group_column=rules.group_column,
            metric=rules.metric,
            phases=rules.phases,
            limits=rules.limits,
            rubric=list(rules.rubric),
            ranking=rules.ranking,
            promotion=rules.promotion,
            # loaded before challenges named one: scored with the default
            runtime=rules.runtime_or(get_settings().default_runtime),
            lead_merge_key=rules.lead_merge_key,
        )


class BundleOut(BaseModel):
    folder: str | None
    slug: str
    version: str | None
    title_zh: str = ""
    title_en: str = ""
    loaded: bool
    loaded_version: str | None
    up_to_date: bool
    dataset_versions: int
    # The loaded challenge's status (draft | published | withdrawn), None when not loaded.
    status: str | None = None
    # False for a loaded challenge whose bundle folder is not under DABIWU_BUNDLE_PATHS (folder is then None):
    # it was loaded from elsewhere (`dabiwu challenges load PATH`) and is live all the same.
    bundle_found: bool = True
    # A sentence when challenge.yaml does not parse or check; such a bundle cannot be loaded.
    error: str | None = None


class BundleLoadOut(BaseModel):
    slug: str
    version: str
    created: bool
    dataset_version: int
    train_rows: int
    test_rows: int
    status: str = "published"


class ChallengeMoveOut(BaseModel):
    slug: str
    status: str
    changed: bool


class WithdrawIn(BaseModel):
    reason: str = Field(..., description="why it is withdrawn; kept in the audit log", max_length=2000)


class SetCounts(BaseModel):
    rows: int
    positives: int  # rows labelled 1 (leads)
    rate: float | None  # positives / rows (None for an empty set)


class DistrictCounts(BaseModel):
    train: SetCounts
    public: SetCounts
    private: SetCounts


class BaselineHeadroom(Sparse):
    """The bundle's baseline.py scored on the private split (challenges/dryrun.py::baseline_headroom): either the
    figures, or `error` alone when it could not be measured."""

    metric: str = None
    private: float | None = None
    public: float | None = None
    base_rate: float = None
    min_primary: float = None
    headroom: float | None = None  # to a perfect ranking (1.0)
    gate_margin: float | None = None  # min_primary minus the baseline (negative: the baseline clears the gate)
    error: str = None


class BundleSummary(Sparse):
    """What a dry run reports for review (challenges/dataset.py::summarise): rows and leads per set, split and
    district, and the baseline's headroom (absent when the check ran with baseline=false)."""

    slug: str
    version: str
    columns: int
    train: SetCounts
    test: SetCounts
    public: SetCounts
    private: SetCounts
    districts: dict[str, DistrictCounts]  # district -> its counts
    warnings: list[str]
    warnings_zh: list[str]
    baseline: BaselineHeadroom | None = None


class BundleCheckOut(BaseModel):
    """A dry run: every check a load runs, nothing stored.  `ok` false means `problems` says what to fix."""

    slug: str
    ok: bool
    problems: list[str] = []
    problems_zh: list[str] = []
    summary: BundleSummary | None = None
