"""Marking submissions final: never more than the challenge's `final_selections`, even under parallel requests.

Counting the team's finals and then writing is a race (issue #14, item 1: four parallel marks made 4 finals where
2 were allowed). So the check and the write are one statement, serialised per team:

- PostgreSQL: the team's row is locked first (`SELECT ... FOR UPDATE`), so two marks for one team run one after the
  other; under READ COMMITTED the conditional UPDATE that follows takes a fresh snapshot and sees the other's mark.
- SQLite: `FOR UPDATE` is a no-op there, but the conditional UPDATE takes the database's write lock before it reads,
  and writers are serialised, so its count is current.

The same statement refuses once the contest is closed or finalized: finals are frozen then (the private board reads
them). The caller commits.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from dabiwu.challenges.phases import current_phase
from dabiwu.db.models import Challenge, Submission, Team
from dabiwu.errors import DabiwuError


def final_selections(challenge: Challenge) -> int:
    return challenge.rules.limits.final_selections


def set_final(session: Session, *, submission: Submission, is_final: bool, now: datetime | None = None) -> None:
    challenge = submission.challenge
    now = now or datetime.now(timezone.utc)
    _refuse_if_frozen(challenge, now=now)
    if submission.is_final == is_final:
        return
    if is_final and submission.status != "scored":
        raise DabiwuError("Only a scored submission can be marked final.", "只有已评分的提交才能标记为最终提交。",
                          code="final_not_scored", status=409)
    # One team at a time (PostgreSQL; SQLite serialises writers anyway).
    session.execute(select(Team.id).where(Team.id == submission.team_id).with_for_update())
    allowed = final_selections(challenge)
    conditions = [Submission.id == submission.id, Submission.is_final.is_(not is_final),
                  # Finals freeze at finalize even if that commits between the check above and here.
                  ~exists().where(Challenge.id == submission.challenge_id, Challenge.finalized_at.is_not(None))]
    if is_final:
        # Counted for the row's team as it is when the UPDATE runs (a merge may have moved it meanwhile).
        others = aliased(Submission)
        marked = (select(func.count()).select_from(others)
                  .where(others.team_id == Submission.team_id, others.challenge_id == Submission.challenge_id,
                         others.is_final.is_(True))
                  .scalar_subquery())
        conditions += [Submission.status == "scored", marked < allowed]
    changed = session.execute(
        update(Submission).where(and_(*conditions)).values(is_final=is_final).execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        session.refresh(submission)
        return
    session.refresh(submission)
    session.refresh(challenge)
    _refuse_if_frozen(challenge, now=now)
    if submission.is_final == is_final:
        return  # a parallel request did the same
    if is_final and submission.status != "scored":
        raise DabiwuError("Only a scored submission can be marked final.", "只有已评分的提交才能标记为最终提交。",
                          code="final_not_scored", status=409)
    raise DabiwuError(
        f"Your team has already marked {allowed} final submissions for this challenge: unmark one first.",
        f"你的团队已为本赛题标记了 {allowed} 个最终提交：请先取消其中一个。",
        code="final_selections_full", status=409, extra={"final_selections": allowed},
    )


def _refuse_if_frozen(challenge: Challenge, *, now: datetime) -> None:
    phase = current_phase(challenge.rules.phases, finalized_at=challenge.finalized_at, now=now)
    if phase in ("closed", "finalized"):
        raise DabiwuError(
            f"The challenge is {phase}: final selections are frozen and can no longer be changed.",
            "赛题已截止或已定榜：最终提交已冻结，不能再更改。",
            code="finals_frozen", status=409, extra={"phase": phase},
        )
