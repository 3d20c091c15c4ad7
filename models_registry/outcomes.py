"""Lead outcomes reported by districts, field precision, and the drift flag.

Field precision of a listed version (overall, and per district) = confirmed / (confirmed + rejected):
the share of verified leads that became cases (成案).  Pending leads are not counted.

Drift: the contest measured precision@k on the private split (k leads, a share p of them real).
Its 95% Wilson interval says where the field precision should fall if the field is like the
contest data.  A version is flagged when its field precision is below the interval's lower end,
once at least DRIFT_MIN_DECIDED leads are decided (fewer say nothing either way: `drift` is None).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.registry_port import (
    Challenge,
    DabiwuError,
    District,
    LeadOutcome,
    RegistryListing,
    Score,
    User,
    contest_precision,
    wilson_interval,
)

DRIFT_MIN_DECIDED = 10
MAX_ROWS = 50_000

OUTCOME_WORDS = {
    "confirmed": "confirmed", "成案": "confirmed", "已成案": "confirmed",
    "rejected": "rejected", "不成案": "rejected", "未成案": "rejected", "排除": "rejected",
    "pending": "pending", "待核查": "pending", "核查中": "pending",
}
# CSV header -> field; the Chinese headers are what a district's spreadsheet is likely to carry.
CSV_HEADERS = {
    "lead_id": "lead_id", "线索编号": "lead_id",
    "version": "version", "模型版本": "version",
    "outcome": "outcome", "结果": "outcome", "核查结果": "outcome",
    "note": "note", "备注": "note",
    # `dabiwu leads run` writes these beside each lead: the lead list names the model that made it
    "model_version": "version",
    "model_sha256": "model_sha256", "模型摘要": "model_sha256",
}
REQUIRED_FIELDS = ("lead_id", "version", "outcome")


class OutcomeError(DabiwuError, ValueError):
    """A refused outcome report (a 422 `bad_outcomes`); `column` names the CSV column at fault, if one is."""

    status = 422
    code = "bad_outcomes"

    def __init__(self, message_en: str, message_zh: str, *, column: str | None = None) -> None:
        super().__init__(message_en, message_zh, extra={"column": column})
        self.column = column

    @property
    def message_en(self) -> str:
        return self.detail


@dataclass(frozen=True)
class OutcomeRow:
    lead_id: str
    version: int
    outcome: str
    note: str = ""
    model_sha256: str | None = None  # when given, it must be the version's digest (the lead list's own column)


def normalise_row(*, lead_id: Any, version: Any, outcome: Any, note: Any = "", model_sha256: Any = None,
                  line: int | None = None, **_ignored: Any) -> OutcomeRow:
    where_en = f" (row {line})" if line is not None else ""
    where_zh = f"（第 {line} 行）" if line is not None else ""
    lead = str(lead_id if lead_id is not None else "").strip()
    if not lead or len(lead) > 128:
        raise OutcomeError(f"lead_id{where_en} must be the lead's id from the lead list, 1 to 128 characters.",
                           f"lead_id{where_zh} 须为线索清单中的线索编号（1 至 128 个字符）。", column="lead_id")
    try:
        number = int(str(version).strip().lstrip("vV"))
    except (TypeError, ValueError):
        raise OutcomeError(f"version{where_en} is {version!r}: give the model version number, e.g. 3.",
                           f"version{where_zh} 为 {version!r}：请填写模型版本号，例如 3。", column="version") from None
    word = OUTCOME_WORDS.get(str(outcome if outcome is not None else "").strip().lower())
    if word is None:
        raise OutcomeError(
            f"outcome{where_en} is {outcome!r}: use confirmed (成案), rejected (不成案) or pending (待核查).",
            f"outcome{where_zh} 为 {outcome!r}：请填写 confirmed（成案）、rejected（不成案）或 pending（待核查）。",
            column="outcome",
        )
    digest = str(model_sha256 or "").strip().lower() or None
    if digest is not None and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
        raise OutcomeError(f"model_sha256{where_en} is not a sha256 digest (64 hex characters): copy it from the "
                           "lead list `dabiwu leads run` wrote, or leave it out.",
                           f"model_sha256{where_zh} 不是 sha256 摘要（64 位十六进制）：请从 `dabiwu leads run` 生成的线索清单复制，"
                           "或删去该列。", column="model_sha256")
    return OutcomeRow(lead_id=lead, version=number, outcome=word, note=str(note or "").strip()[:2000],
                      model_sha256=digest)


def parse_outcomes_csv(data: bytes) -> list[OutcomeRow]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise OutcomeError("The CSV is empty: its first line must name the columns lead_id, version, outcome.",
                           "CSV 文件为空：第一行须为列名 lead_id、version、outcome。")
    fields = []
    for name in header:
        field = CSV_HEADERS.get(name.strip().lower()) or CSV_HEADERS.get(name.strip())
        if field is None:
            raise OutcomeError(
                f"Unknown column {name.strip()!r}: the columns are lead_id, version, outcome and optionally note "
                "(or 线索编号, 模型版本, 结果, 备注). Rename or remove it.",
                f"无法识别的列 {name.strip()!r}：列名应为 lead_id、version、outcome，可选 note"
                "（或 线索编号、模型版本、结果、备注）。请改名或删除该列。",
                column=name.strip(),
            )
        fields.append(field)
    for required in REQUIRED_FIELDS:
        if required not in fields:
            raise OutcomeError(f"The CSV has no {required!r} column; add it (columns: lead_id, version, outcome).",
                               f"CSV 缺少 {required!r} 列；请补上（列名：lead_id、version、outcome）。", column=required)
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise OutcomeError(f"More than {MAX_ROWS} rows: split the file.", f"超过 {MAX_ROWS} 行：请拆分文件。")
        record = dict(zip(fields, values))
        rows.append(normalise_row(line=line, **{name: record.get(name)
                                                for name in (*REQUIRED_FIELDS, "note", "model_sha256")}))
    return rows


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV" as GB18030/GBK.
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise OutcomeError("The CSV is neither UTF-8 nor GBK text: save it as CSV UTF-8.",
                               "CSV 文件既不是 UTF-8 也不是 GBK 编码：请另存为 CSV UTF-8。") from None


def upsert_outcomes(session: Session, *, user: User, challenge: Challenge, rows: list[OutcomeRow]) -> dict[str, int]:
    """Insert or update by (district, version, lead id); the last row wins within one upload."""
    if user.district_id is None:
        raise OutcomeError("Your account belongs to no district; ask an administrator to set one.",
                           "你的账号未关联任何地区；请联系管理员设置。")
    listings = {
        listing.version: listing
        for listing in session.scalars(select(RegistryListing).where(RegistryListing.challenge_id == challenge.id))
    }
    unknown = sorted({row.version for row in rows} - set(listings))
    if unknown:
        known = ", ".join(str(v) for v in sorted(listings)) or "none yet"
        raise OutcomeError(
            f"{challenge.slug} has no registry version {', '.join(map(str, unknown))}; its versions are: {known}.",
            f"{challenge.slug} 没有第 {', '.join(map(str, unknown))} 版；现有版本：{known}。",
            column="version",
        )
    wrong = next((row for row in rows if row.model_sha256 and row.model_sha256 != listings[row.version].model_sha256),
                 None)
    if wrong is not None:
        raise OutcomeError(
            f"Lead {wrong.lead_id} names version {wrong.version} with sha256 {wrong.model_sha256[:12]}…, but version "
            f"{wrong.version} is {listings[wrong.version].model_sha256[:12]}…: these leads came from another model; "
            "check the version column.",
            f"线索 {wrong.lead_id} 标注第 {wrong.version} 版、摘要 {wrong.model_sha256[:12]}…，但第 {wrong.version} 版的摘要为 "
            f"{listings[wrong.version].model_sha256[:12]}…：这些线索来自其他模型，请核对版本列。",
            column="model_sha256",
        )
    latest = {(listings[row.version].id, row.lead_id): row for row in rows}
    existing = {
        (outcome.listing_id, outcome.lead_id): outcome
        for outcome in session.scalars(
            select(LeadOutcome).where(
                LeadOutcome.district_id == user.district_id,
                LeadOutcome.listing_id.in_({listing_id for listing_id, _ in latest}),
            )
        )
    }
    inserted = updated = 0
    for (listing_id, lead_id), row in latest.items():
        current = existing.get((listing_id, lead_id))
        if current is None:
            session.add(LeadOutcome(listing_id=listing_id, district_id=user.district_id, lead_id=lead_id,
                                    outcome=row.outcome, note=row.note, reported_by=user.id))
            inserted += 1
        elif (current.outcome, current.note) != (row.outcome, row.note):
            current.outcome, current.note, current.reported_by = row.outcome, row.note, user.id
            updated += 1
    session.flush()
    return {"received": len(rows), "inserted": inserted, "updated": updated, "unchanged": len(latest) - inserted - updated}


# -- field precision and drift ---------------------------------------------------------------


def tally(counts: dict[str, int], interval: list[float] | None) -> dict[str, Any]:
    confirmed, rejected, pending = counts.get("confirmed", 0), counts.get("rejected", 0), counts.get("pending", 0)
    decided = confirmed + rejected
    precision = confirmed / decided if decided else None
    drift = None
    if interval is not None and precision is not None and decided >= DRIFT_MIN_DECIDED:
        drift = precision < interval[0]
    return {"confirmed": confirmed, "rejected": rejected, "pending": pending, "reported": decided + pending,
            "field_precision": precision, "drift": drift}


def field_summary(session: Session, *, listing: RegistryListing) -> dict[str, Any]:
    """Field precision and drift of one listed version, overall and per district."""
    score = session.get(Score, listing.score_id)
    contest = contest_precision(score.metrics if score else {})
    counts = session.execute(
        select(District.code, District.name_zh, LeadOutcome.outcome, func.count())
        .join(District, District.id == LeadOutcome.district_id)
        .where(LeadOutcome.listing_id == listing.id)
        .group_by(District.code, District.name_zh, LeadOutcome.outcome)
    ).all()
    overall: dict[str, int] = {}
    districts: dict[str, dict[str, Any]] = {}
    for code, name_zh, outcome, n in counts:
        overall[outcome] = overall.get(outcome, 0) + n
        districts.setdefault(code, {"name_zh": name_zh, "counts": {}})["counts"][outcome] = n
    return {
        "contest": contest,
        **tally(overall, contest["interval"]),
        "by_district": {code: {"name_zh": d["name_zh"], **tally(d["counts"], contest["interval"])}
                        for code, d in sorted(districts.items())},
    }
