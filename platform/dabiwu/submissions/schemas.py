from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from dabiwu.schema_types import FreeForm, Sparse
from dabiwu.scoring.schemas import SubmissionMetrics


class SubmissionAccepted(BaseModel):
    id: str
    status: str
    submissions_left_today: int


class QuotaOut(BaseModel):
    limit: int
    used: int
    left: int
    day: str


class ModelSignature(Sparse):
    """The model's MLflow signature as its MLmodel states it (submissions/validation.py::_check_signature)."""

    inputs: list[FreeForm] | None = Field(
        default=None, description="MLflow column or tensor specs, in MLflow's own format (name, type, required, ...)")
    outputs: JsonValue = Field(default=None, description="MLflow's output schema, as the MLmodel states it")
    params: JsonValue = Field(default=None, description="MLflow's parameter schema, as the MLmodel states it")


class ModelInfo(Sparse):
    """What intake read from the model at upload (submissions/validation.py::ModelInfo, capped by
    bounded_model_info). A list of submissions carries only LIST_FIELDS of it; a row from before a field existed
    lacks that field."""

    flavors: list[str] = None
    loader_module: str | None = None
    serialization_format: str | None = None
    mlflow_version: str | None = None
    python_version: str | None = None
    predict_fn: str | None = None
    signature: ModelSignature | None = None
    input_columns: list[str] = None
    size_bytes: int = None
    requirements: list[str] = None
    model_uuid: str | None = None
    warnings: list[str] = None
    archive_format: Literal["zip", "tar"] = None
    runtime: str = Field(default=None, description="the scoring runtime it was checked against and runs in")


class SubmissionOut(BaseModel):
    id: str
    challenge: str
    team: str
    team_id: int
    status: str
    public_score: float | None = None
    private_score: float | None = None
    metrics: SubmissionMetrics | None = None
    error: str | None = None
    error_zh: str | None = None  # the same sentence in Chinese
    error_kind: str | None = None
    log_tail: str | None = None
    filename: str = ""
    description: str = ""
    size_bytes: int = 0
    sha256: str | None = None
    model_info: ModelInfo
    is_final: bool = False
    created_at: datetime
    started_at: datetime | None = None
    scored_at: datetime | None = None
    queue_position: int | None = None
    eta_seconds: float | None = None
    score_version: int | None = None
    disqualified_reason: str | None = None  # set by a judge; the submission then leaves the boards
    # The storage retention policy removed the model's files (scores and predictions stay): when, and why, in
    # English and Chinese. Promoting or re-running it then answers 410 model_expired.
    model_expired_at: datetime | None = None
    model_expired_note: str | None = None
    model_expired_note_zh: str | None = None


class FinalSelection(BaseModel):
    is_final: bool
