"""Terminal outcomes of a scoring job, recorded once."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import Job, Score, Submission
from dabiwu.executors.jobs import Claim, still_owned
from dabiwu.notifications.events import submission_finished
from dabiwu.submissions import quota


def record_score(session: Session, *, claim: Claim, score: Score) -> bool:
    """Insert the score and mark the submission scored, only if this attempt still owns the job."""
    if not still_owned(session, claim=claim):
        session.rollback()
        return False
    score.version = (
        session.scalar(select(func.max(Score.version)).where(Score.submission_id == claim.submission_id)) or 0
    ) + 1
    session.execute(
        update(Score).where(Score.submission_id == claim.submission_id, Score.is_latest.is_(True))
        .values(is_latest=False).execution_options(synchronize_session=False)
    )
    score.is_latest = True
    session.add(score)
    submission = session.get(Submission, claim.submission_id)
    submission.status = "scored"
    submission.scored_at = utcnow()
    submission.error = None
    submission.error_zh = None
    submission.error_kind = None
    submission_finished(session, submission)
    session.commit()
    return True


def record_model_failure(session: Session, *, claim: Claim, kind: str, message: str, log_tail: str,
                         message_zh: str | None = None) -> bool:
    """The model's fault (crash, timeout, memory, bad output): terminal, and it counts against quota.

    The texts may hold what the model wrote: NUL (which PostgreSQL refuses in text) is escaped, so a
    model cannot turn its own failure into a database error, i.e. a platform fault and a free re-run."""
    if not still_owned(session, claim=claim):
        session.rollback()
        return False
    submission = session.get(Submission, claim.submission_id)
    if submission.status != "scored":  # a rescore failure never hides an earlier score
        submission.status = "failed"
    submission.error_kind = kind
    submission.error = _storable(message)
    submission.error_zh = _storable(message_zh) if message_zh else None
    submission.log_tail = _storable(log_tail[-20000:]) if log_tail else None
    if submission.status == "failed":
        submission_finished(session, submission)
    session.commit()
    return True


def _storable(text: str) -> str:
    return text.replace("\x00", "\\x00")


def fail_for_platform(
    session: Session, *, submission_id: str, job_id: str, attempt: int, message: str, message_zh: str | None = None
) -> None:
    """After the last retry of a platform fault: fail, refund the quota, and say it was not the team's fault."""
    session.execute(
        update(Job).where(Job.id == job_id, Job.attempt == attempt)
        .values(status="failed", finished_at=utcnow(), lease_expires_at=None, error=message[:2000])
        .execution_options(synchronize_session=False)
    )
    submission = session.get(Submission, submission_id)
    if submission.status == "scored":
        return
    submission.status = "failed"
    submission.error_kind = "platform_error"
    submission.error = (
        f"{message} This was a fault of the platform, not of your model: the submission was refunded "
        "and you may submit it again. If it repeats, tell the organisers."
    )
    submission.error_zh = (
        f"{message_zh or '评分时平台出现故障。'}这是平台的问题，不是您的模型的问题：本次提交已退还次数，"
        "您可以重新提交。如果反复出现，请告知组织方。"
    )
    if submission.counts_against_quota:
        submission.counts_against_quota = False
        quota.refund(session, team_id=submission.team_id, challenge_id=submission.challenge_id, day=submission.quota_day)
    submission_finished(session, submission)
