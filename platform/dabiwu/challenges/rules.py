"""A challenge's rules, typed: challenge.yaml parsed once into a frozen model, as `Settings` is for the environment.

The JSON schema (challenge.schema.json) stays the bundle author's contract and the source of the loader's
sentences; `ChallengeRules` mirrors it field for field, with every field the schema requires required here too,
so no reader keeps a local default of its own (a `.get("k", 100)` would be a second policy). The raw dict is
still what is stored (`Challenge.spec`, JSON); only this module and the bundle loader read it: everyone else reads
`Challenge.rules` or `Bundle.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dabiwu.challenges.phases import parse_instant
from dabiwu.errors import DabiwuError

MetricName = Literal["average_precision", "roc_auc", "precision_at_k", "recall_at_k"]
ColumnType = Literal["int", "float", "string", "category", "date", "bool"]
ColumnRole = Literal["id", "group", "label", "feature"]
# A JSON number kept as written: 200 stays 200 (not 200.0) in the API and in the starting kit's README.
Number = int | float

# Whether a column may hold missing values when challenge.yaml does not say (the schema's `nullable`).
NULLABLE_BY_DEFAULT = {"float": True, "date": True, "string": True, "category": True, "int": False, "bool": False}


class _Rules(BaseModel):
    """Frozen and closed like the schema (additionalProperties: false): a misspelt field is refused, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Rules):
    zh: str
    en: str


class ColumnRule(_Rules):
    """One entry of the data dictionary."""

    name: str
    type: ColumnType
    role: ColumnRole = "feature"
    # None: the type's default (NULLABLE_BY_DEFAULT); the id, group and label columns are never nullable.
    nullable: bool | None = None
    zh: str
    en: str


class MetricRule(_Rules):
    primary: MetricName
    k: int  # review capacity per data.test_rows rows; a scorer scales it to a split's size
    secondary: tuple[MetricName, ...] = ()


class PhasesRule(_Rules):
    """ISO 8601 date-times with their offsets, kept as written (the API answers them as stored)."""

    open: str
    close: str
    merger_deadline: str

    @cached_property
    def open_at(self) -> datetime:
        return parse_instant(self.open)

    @cached_property
    def close_at(self) -> datetime:
        return parse_instant(self.close)

    @cached_property
    def merger_deadline_at(self) -> datetime:
        return parse_instant(self.merger_deadline)


class LimitsRule(_Rules):
    daily_submissions: int
    max_model_mb: Number
    time_limit_s: int
    memory_mb: int
    team_size: int
    final_selections: int


class RubricItem(_Rules):
    key: str
    zh: str
    en: str
    weight: Number


class RankingRule(_Rules):
    """final = metric_weight x metric part + rubric_weight x rubric part."""

    metric_weight: Number
    rubric_weight: Number


class DataRule(_Rules):
    train_rows: int
    test_rows: int
    train_seed: int  # public: the test seed is the installation's secret and never part of the rules


class RetentionRule(_Rules):
    """How long this challenge's non-kept model files stay (docs/operator.md); predictions and scores always stay."""

    # Days after the contest closes (or is finalized, whichever is later); None written out: never.  Left out:
    # the install's DABIWU_RETENTION_DAYS_AFTER_CLOSE (`days_or`).
    expire_after_days: int | None = Field(default=None, ge=0)

    def days_or(self, default: int | None) -> int | None:
        return self.expire_after_days if "expire_after_days" in self.model_fields_set else default


class PromotionRule(_Rules):
    """The listing (上架) gate of the shared registry."""

    min_primary: Number
    min_worst_district: Number
    min_novelty: Number
    max_listed: int


class ChallengeRules(_Rules):
    """challenge.yaml, typed.  Build it with `parse_rules` (or read `Challenge.rules` / `Bundle.rules`)."""

    slug: str
    version: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    supervision_point: Bilingual
    columns: tuple[ColumnRule, ...]
    # None only for a challenge stored before challenges named their runtime: it is scored with the install's
    # default (`runtime_or(settings.default_runtime)`).
    runtime: str | None = None
    id_column: str
    group_column: str
    label_column: str
    metric: MetricRule
    phases: PhasesRule
    limits: LimitsRule
    rubric: tuple[RubricItem, ...]
    ranking: RankingRule
    data: DataRule
    promotion: PromotionRule
    # Optional: a second column that, with id_column, names one lead in a district's review queue.
    lead_merge_key: str | None = None
    retention: RetentionRule = RetentionRule()

    def runtime_or(self, default: str) -> str:
        return self.runtime or default

    @property
    def key_columns(self) -> tuple[str, str, str]:
        return (self.id_column, self.group_column, self.label_column)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def feature_columns(self) -> list[str]:
        """What a model is given: every column but the id and the label (the district included)."""
        return [c.name for c in self.columns if c.name not in (self.id_column, self.label_column)]

    def nullable(self, column: ColumnRule) -> bool:
        """Whether `column` may hold missing values: never a key column, else as declared or the type's default."""
        if column.name in self.key_columns:
            return False
        return column.nullable if column.nullable is not None else NULLABLE_BY_DEFAULT[column.type]

    def rubric_keys(self) -> dict[str, RubricItem]:
        return {item.key: item for item in self.rubric}


class RulesInvalid(DabiwuError, ValueError):
    """A spec that does not fit `ChallengeRules`.  The bundle loader checks the JSON schema first, so a bundle never
    gets here; a hand-built or damaged stored spec does, and the sentence names every field at fault."""

    status = 422
    code = "challenge_rules_invalid"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = [en for en, _ in problems]
        self.problems_zh = [zh for _, zh in problems]
        super().__init__("\n".join(self.problems), "\n".join(self.problems_zh),
                         extra={"problems": self.problems, "problems_zh": self.problems_zh})


def _where(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _problem(error: Mapping[str, Any], source: str) -> tuple[str, str]:
    field = _where(tuple(error["loc"]))
    if error["type"] == "missing":
        return (f"{source}: field '{field}' is missing. Add it (see platform/dabiwu/challenges/challenge.schema.json).",
                f"{source}：缺少字段「{field}」。请补上（见 platform/dabiwu/challenges/challenge.schema.json）。")
    if error["type"] == "extra_forbidden":
        return (f"{source}: field '{field}' is not a known field. Remove it or fix its spelling.",
                f"{source}：字段「{field}」不是已知字段。请删除或改正拼写。")
    return (f"{source}: field '{field}': {error['msg']}. Fix the value.",
            f"{source}：字段「{field}」的值有误（{error['msg']}）。请改正。")


def parse_rules(spec: Mapping[str, Any], *, source: str = "challenge.yaml") -> ChallengeRules:
    """The one place a raw spec becomes rules; a misfit raises RulesInvalid naming each field (zh and en)."""
    try:
        return ChallengeRules.model_validate(spec)
    except ValidationError as exc:
        raise RulesInvalid([_problem(e, source) for e in exc.errors()]) from exc
