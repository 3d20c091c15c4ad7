from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


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
    gates: dict[str, Any]


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
    worst_district: dict[str, Any] | None
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


class ContestPrecision(BaseModel):
    """precision@k on the private split and its 95% interval, which field precision is held against."""

    precision_at_k: float | None
    k: int | None
    interval: list[float | None] | None  # [low, high]
    method: Literal["bootstrap", "wilson"] | None


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
    gate_report: dict[str, Any]
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


class RegistryEventOut(BaseModel):
    """One entry of a registered model's history (GET /registry/models/{slug}/history)."""

    id: int
    at: datetime
    registered_model: str
    kind: str  # promoted | delisted | alias_moved | gates_passed | gates_refused
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
    detail: dict[str, Any]


class ChampionAtOut(BaseModel):
    """Which version an alias named at a moment, and the move that made it so (None: it named nothing)."""

    registered_model: str
    alias: str
    at: datetime
    version: int | None
    since: datetime | None
    event: RegistryEventOut | None
