"""The sentences each event is told in (English and Chinese) and whom it goes to.

One function per event, called with one line from the place the event happens: the registry
(promotion, champion change, delisting), a scoring job's terminal state, a challenge's finalize."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dabiwu.db.models import Challenge, Submission
from dabiwu.notifications.recipients import challenge_participants, team_members, who_pulled
from dabiwu.notifications.service import emit


def model_promoted(session: Session, *, registered_model: str, version: int, team: str, model_sha256: str,
                   at: datetime | None = None) -> None:
    emit(session, event="registry.promoted", at=at, link=f"/registry/{registered_model}/{version}",
         title=f"{registered_model}: version {version} (team {team}) was listed in the registry.",
         title_zh=f"{registered_model}：第 {version} 版（{team} 队）已上架。",
         payload={"registered_model": registered_model, "version": version, "team": team,
                  "model_sha256": model_sha256},
         recipients=who_pulled(session, registered_model=registered_model))


def champion_replaced(session: Session, *, registered_model: str, previous: int | None, current: int | None,
                      at: datetime | None = None) -> None:
    if current is None:
        title = f"{registered_model}: no version is the champion any more (version {previous} was)."
        title_zh = f"{registered_model}：当前已无冠军版本（原为第 {previous} 版）。"
    else:
        title = f"{registered_model}: the champion is now version {current} (was version {previous})."
        title_zh = f"{registered_model}：冠军版本已由第 {previous} 版换为第 {current} 版。"
    emit(session, event="registry.champion_replaced", at=at,
         link=f"/registry/{registered_model}/{current}" if current is not None else "/registry",
         title=title, title_zh=title_zh,
         payload={"registered_model": registered_model, "previous_version": previous, "version": current},
         recipients=who_pulled(session, registered_model=registered_model))


def model_delisted(session: Session, *, registered_model: str, version: int, reason: str | None,
                   at: datetime | None = None) -> None:
    why, why_zh = (f" Reason: {reason}", f"理由：{reason}") if reason else ("", "")
    emit(session, event="registry.delisted", at=at, link=f"/registry/{registered_model}/{version}",
         title=f"{registered_model}: version {version} was delisted; stop using it.{why}",
         title_zh=f"{registered_model}：第 {version} 版已下架，请停止使用。{why_zh}",
         payload={"registered_model": registered_model, "version": version, "reason": reason},
         recipients=who_pulled(session, registered_model=registered_model))


def submission_finished(session: Session, submission: Submission) -> None:
    """A submission reached `scored` or `failed` (called where its job reaches its terminal state)."""
    slug = submission.challenge.slug
    short = submission.id[:8]
    if submission.status == "scored":
        event = "submission.scored"
        title = f"Submission {short} to {slug} was scored."
        title_zh = f"提交 {short}（{slug}）已完成评分。"
    else:
        event = "submission.failed"
        title = f"Submission {short} to {slug} failed: {submission.error or 'see its page'}"
        title_zh = f"提交 {short}（{slug}）评分失败：{submission.error_zh or submission.error or '请查看提交详情'}"
    emit(session, event=event, link=f"/submissions/{submission.id}/show", title=title[:1000], title_zh=title_zh[:1000],
         payload={"submission_id": submission.id, "challenge": slug, "team_id": submission.team_id,
                  "status": submission.status, "error_kind": submission.error_kind},
         recipients=team_members(session, team_id=submission.team_id))


def challenge_finalized(session: Session, challenge: Challenge) -> None:
    emit(session, event="challenge.finalized", link=f"/challenges/{challenge.slug}/show",
         title=f"The challenge {challenge.title_en} ({challenge.slug}) is finalized: the final ranking is published.",
         title_zh=f"赛题「{challenge.title_zh}」已定榜：最终排名已公布。",
         payload={"challenge": challenge.slug,
                  "finalized_at": challenge.finalized_at.isoformat() if challenge.finalized_at else None},
         recipients=challenge_participants(session, challenge=challenge))
