"""Reading submissions: the readable-statement pattern scopes every query by who asks."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from dabiwu.challenges.phases import current_phase
from dabiwu.db.models import Challenge, Job, Score, Submission, User
from dabiwu.errors import DabiwuError
from dabiwu.jobs.lifecycle import latest_score
from dabiwu.model_store.trees import model_expired
from dabiwu.scoring.disclosure import Disclosure, team_split_view
from dabiwu.submissions.schemas import SubmissionOut
from dabiwu.submissions.validation import model_info_brief

STAFF_ROLES = ("admin", "judge")


def readable_submissions(user: User) -> Select:
    query = select(Submission)
    if user.role in STAFF_ROLES:
        return query
    if user.role == "team" and user.team_id is not None:
        return query.where(Submission.team_id == user.team_id)
    return query.where(False)


def get_readable(session: Session, *, user: User, submission_id: str) -> Submission | None:
    return session.scalar(readable_submissions(user).where(Submission.id == submission_id))


def submission_not_found(submission_id: str) -> DabiwuError:
    """The same 404 whether the submission does not exist or is another team's: ids reveal nothing."""
    return DabiwuError(f"No submission '{submission_id}' that you can see.", f"没有您可查看的提交「{submission_id}」。",
                       code="submission_not_found", status=404)


# For failures recorded before error_zh existed (revision 0008): what the kind of failure means, in Chinese.
_KIND_ZH = {
    "load_crash": "模型无法加载。", "predict_crash": "模型的 predict 失败。", "timeout": "模型超过了运行时间上限。",
    "oom": "模型超过了内存上限。", "output_too_large": "模型的输出超过了上限。", "bad_output": "模型的预测结果无法使用。",
    "platform_error": "评分时平台出现故障，本次提交已退还次数，可以重新提交。",
}


def error_zh(submission: Submission) -> str | None:
    if not submission.error:
        return None
    if submission.error_zh:
        return submission.error_zh
    return _KIND_ZH.get(submission.error_kind or "", "评分失败。") + "详情请见英文说明和日志。"


def queue_estimate(session: Session, *, submission: Submission, workers: int) -> tuple[int | None, float | None]:
    """Queue position (1 = next) and a rough ETA from recent runtimes over the live workers.

    With no live worker the ETA is unknown (None): the job waits until a worker starts."""
    if submission.status != "queued":
        return None, None
    ahead = session.scalar(
        select(func.count()).select_from(Job).where(Job.status == "queued", Job.created_at < submission.created_at)
    ) or 0
    recent = session.scalars(select(Score.runtime_s).order_by(Score.id.desc()).limit(20)).all()
    per_job = (sum(recent) / len(recent)) if recent else 5.0
    if workers < 1:
        return ahead + 1, None
    return ahead + 1, round((ahead + 1) * per_job / workers, 1)


def private_visible(user: User, challenge: Challenge) -> bool:
    return user.role in STAFF_ROLES or current_phase(challenge.rules.phases, finalized_at=challenge.finalized_at) == "finalized"


def to_out(session: Session, *, submission: Submission, user: User, workers: int = 1, brief: bool = False,
           disclosure: Disclosure | None = None) -> SubmissionOut:
    """`disclosure` (Disclosure.of(settings)) shapes what a team sees of the metrics; staff see them whole.
    `brief`: a list never carries a row's whole model_info (MLmodel-derived; see validation.model_info_brief)."""
    score = latest_score(session, submission_id=submission.id)
    show_private = private_visible(user, submission.challenge)
    position, eta = queue_estimate(session, submission=submission, workers=workers)
    metrics = None
    if score is not None:
        view = (lambda split: split) if user.role in STAFF_ROLES else (
            lambda split: team_split_view(split, disclosure or Disclosure()))
        metrics = dict(view(score.metrics.get("public", {})))
        if show_private:
            metrics["private"] = view(score.metrics.get("private"))
        metrics["scoring"] = {
            key: score.metrics.get(key) for key in ("scorer_version", "dataset_sha256", "model_sha256") if key in score.metrics
        } | {"sandbox_kind": score.sandbox_kind, "runtime_s": score.runtime_s, "peak_mem_mb": score.peak_mem_mb,
              "sandbox_prestarted": score.sandbox_prestarted}
    return SubmissionOut(
        id=submission.id,
        challenge=submission.challenge.slug,
        team=submission.team.name,
        team_id=submission.team_id,
        status=submission.status,
        public_score=score.public_score if score else None,
        private_score=score.private_score if (score and show_private) else None,
        metrics=metrics,
        error=submission.error,
        error_zh=error_zh(submission),
        error_kind=submission.error_kind,
        log_tail=submission.log_tail,
        filename=submission.filename,
        description=submission.description,
        size_bytes=submission.size_bytes,
        sha256=submission.sha256,
        model_info=model_info_brief(submission.model_info) if brief else (submission.model_info or {}),
        is_final=submission.is_final,
        created_at=submission.created_at,
        started_at=submission.started_at,
        scored_at=submission.scored_at,
        queue_position=position,
        eta_seconds=eta,
        score_version=score.version if score else None,
        disqualified_reason=submission.disqualified_reason,
        **expiry_note(submission),
    )


def expiry_note(submission: Submission) -> dict:
    if submission.model_expired_at is None:
        return {}
    error = model_expired(submission)
    return {"model_expired_at": submission.model_expired_at, "model_expired_note": error.detail,
            "model_expired_note_zh": error.detail_zh}
