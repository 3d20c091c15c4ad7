from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dabiwu.registry_port import ContestPrecision, Sparse, WorstDistrict

GateName = Literal["primary", "worst_district", "novelty", "overlap", "capacity"]


class GateCheck(BaseModel):
    """One promotion gate's verdict, with the reason in both languages (models_registry/gates.py)."""

    name: GateName
    passed: bool
    value: float | None  # None: the figure is undefined (no positives, no district data)
    threshold: int | float  # capacity: the most models listed at once; the others: the bar a figure is held to
    message_zh: str
    message_en: str


class GateOverlap(BaseModel):
    """How much the candidate's top k overlaps a listed model's."""

    listed: str  # "name vN"
    jaccard: float


class GateNovelty(Sparse):
    """The leads the candidate's top k finds that no listed model's top k finds (gates.incremental_recall)."""

    k: int
    positives: int
    candidate_hits: int
    already_found: int
    new_hits: int
    listed_hits: int
    incremental_recall: float | None  # None without positives
    not_compared: list[int] = Field(
        default=None, description="listed versions scored on another dataset version (no common rows); only when some are")


class GateReport(BaseModel):
    """Every gate a promotion checks. `passed` is true only if every check passed.

    A listing stores the report it was promoted with; a stored row without one (`{}`) reads as a report with no
    checks, which passed (as a report with every gate turned off would)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    passed: bool
    checks: list[GateCheck] = []
    overlaps: list[GateOverlap] = []
    novelty: GateNovelty | None = None

    @model_validator(mode="before")
    @classmethod
    def _passed_by_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "passed" not in data:
            checks = data.get("checks") or []
            return {**data, "passed": all(isinstance(c, dict) and c.get("passed") for c in checks)}
        return data

    def failures(self) -> list[GateCheck]:
        return [check for check in self.checks if not check.passed]


class PromoteIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    # Before finalize only; never skips the gates.
    override: bool = False


class PromoteOut(BaseModel):
    registered_model: str
    version: int
    # "champion" when this version now holds it, else None.
    alias: str | None
    champion_version: int | None
    model_sha256: str
    gates: GateReport


class DelistIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class DelistOut(BaseModel):
    registered_model: str
    version: int
    listed: bool
    champion_version: int | None


class PullIn(BaseModel):
    registered_model: str = Field(min_length=1, max_length=128)
    version: int = Field(ge=1)


class PullOut(BaseModel):
    id: int
    registered_model: str
    version: int
    pulled_at: datetime


class OutcomeIn(BaseModel):
    lead_id: str
    version: int | str
    outcome: str
    note: str = ""
    # the digest `dabiwu leads run` wrote beside the lead; checked against the version's when given
    model_sha256: str | None = Field(default=None, max_length=128)


class OutcomesResult(BaseModel):
    received: int
    inserted: int
    updated: int
    unchanged: int


class Adoption(BaseModel):
    districts: list[str]  # codes of the districts that pulled this version
    pulls: int
    leads_reported: int
    cases_made: int


class VersionSummary(BaseModel):
    registered_model: str
    version: int
    listed: bool
    is_champion: bool
    team: str
    submission_id: str
    public_score: float
    private_score: float
    private_ci: list[float | None] | None
    primary_metric: str
    worst_district: WorstDistrict | None  # of the primary metric, on the private split
    model_sha256: str
    approved_by: str | None
    reason: str | None
    override: bool
    promoted_at: datetime
    delisted_at: datetime | None
    adoption: Adoption
    field_precision: float | None
    drift: bool | None
    model_card: str
    runtime: str = ""  # the scoring runtime it was scored with; `leads run` uses the same


class FieldTally(BaseModel):
    """Lead outcomes districts reported for a version (outcomes.py::tally)."""

    confirmed: int
    rejected: int
    pending: int
    reported: int
    field_precision: float | None
    drift: bool | None


class DistrictTally(FieldTally):
    name_zh: str


class FieldReport(FieldTally):
    contest: ContestPrecision
    by_district: dict[str, DistrictTally]  # district code -> its tally


class VersionDetail(VersionSummary):
    gate_report: GateReport
    field: FieldReport
    pull_uri: str


class RegistryModelOut(BaseModel):
    slug: str
    title_zh: str
    title_en: str
    registered_model: str
    champion_version: int | None
    max_listed: int
    listed: list[VersionSummary]
    delisted: list[VersionSummary]


class RegistryEventDetail(Sparse):
    """What an event records beyond its lineage; which fields it has depends on its kind."""

    override: bool = Field(default=None, description="promoted: listed before finalize, by override")
    cause: str = Field(default=None, description="alias_moved: what moved it (promoted | delisted | repointed)")
    passed: bool | None = Field(default=None, description="gates_passed, gates_refused: the gates' verdict")
    checks: list[GateCheck] = Field(default=None, description="gates_passed, gates_refused: each gate's verdict")
    submission_id: str = Field(default=None, description="gates_refused: the submission that was refused")
    code: str = Field(default=None, description="gates_refused: the refusal's error code")


class RegistryEventOut(BaseModel):
    """One entry of a registered model's history (GET /registry/models/{slug}/history)."""

    id: int
    at: datetime
    registered_model: str
    kind: Literal["promoted", "delisted", "alias_moved", "gates_passed", "gates_refused"]
    version: int | None
    alias: str | None
    previous_version: int | None
    actor: str
    reason: str | None
    submission_id: str | None
    team: str | None
    dataset_version: str | None
    dataset_sha256: str | None
    scorer_version: str | None
    runtime: str | None
    model_sha256: str | None
    detail: RegistryEventDetail


class ChampionAtOut(BaseModel):
    """Which version an alias named at a moment, and the move that made it so (None: it named nothing)."""

    registered_model: str
    alias: str
    at: datetime
    version: int | None
    since: datetime | None
    event: RegistryEventOut | None
