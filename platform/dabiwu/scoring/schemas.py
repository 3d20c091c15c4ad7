"""The scoring API's answers, and the typed shape of a score's metrics document (scoring/metrics.py writes it).

The metrics document is stored as JSON (Score.metrics) and sent as stored: the models below are `Sparse`
(dabiwu/schema_types.py), so a part an older or hand-made row lacks stays absent instead of becoming null.
Every rate metric the scorer computes is named (RANKING_METRICS and best_threshold): a challenge picks its
primary and secondary metrics among them, and each split always carries all of them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dabiwu.schema_types import Sparse


class RescoreOut(BaseModel):
    id: str
    outcome: str = Field(description="rescored | rerun | requeued | skipped (see scoring/rescore.py)")


class RescoreChallengeOut(BaseModel):
    challenge: str
    outcomes: dict[str, int] = Field(description="outcome -> how many submissions had it")


class WorstDistrict(BaseModel):
    """The district where a rate metric is lowest (the first by name on a tie)."""

    district: str
    value: float


class PrCurve(BaseModel):
    """Interpolated precision on a fixed recall grid (scoring/curves.py); both empty without positives."""

    precision: list[float]
    recall: list[float]


class BootstrapInfo(BaseModel):
    """How the split's confidence intervals were drawn."""

    resamples: int
    seed: int
    level: float
    method: str
    undefined: dict[str, int] = Field(description="metric -> resamples in which it was undefined (left out)")


class DistrictMetrics(Sparse):
    """Point metrics of a set of rows (a split, or one district of it); a metric the set cannot define is null."""

    n: int = None
    positives: int = None
    k: int = None
    average_precision: float | None = None
    roc_auc: float | None = None
    precision_at_k: float | None = None
    recall_at_k: float | None = None
    hits_at_k: int = None  # a team's view of a district leaves it out (scoring/disclosure.py)
    f1_at_0_5: float | None = None
    f1_best: float | None = None
    best_threshold: float | None = None


class SplitMetrics(DistrictMetrics):
    """One split's metrics (public or private), with their intervals, districts and curve."""

    ci: dict[str, list[float | None] | None] = Field(
        default=None, description="metric -> 95% interval [low, high]; null where the metric is undefined")
    bootstrap: BootstrapInfo = None
    per_district: dict[str, DistrictMetrics] = Field(default=None, description="district -> its metrics")
    worst_district: dict[str, WorstDistrict | None] = Field(
        default=None, description="rate metric -> the district where it is lowest; null if no district defines it")
    pr_curve: PrCurve = None
    per_district_withheld: list[str] = Field(
        default=None, description="a team's view only: districts too small to show (scoring/disclosure.py)")


class ScoringRun(Sparse):
    """What scored the submission: the scorer and data (when the metrics record them) and the sandbox run."""

    scorer_version: str = None
    dataset_sha256: str = None
    model_sha256: str = None
    sandbox_kind: str
    runtime_s: float
    peak_mem_mb: float
    sandbox_prestarted: bool | None


class SubmissionMetrics(SplitMetrics):
    """A submission's metrics as GET /submissions answers them: the public split's at the top level, the private
    split's under `private` (absent until the caller may see it), and the scoring run under `scoring`."""

    private: SplitMetrics | None = None
    scoring: ScoringRun = None


class ContestPrecision(BaseModel):
    """precision@k on the private split and its 95% interval, which field precision is held against."""

    precision_at_k: float | None
    k: int | None
    interval: tuple[float, float] | None  # [low, high]
    method: Literal["bootstrap", "wilson"] | None
