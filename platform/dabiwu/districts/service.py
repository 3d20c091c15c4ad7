"""The lead review queue.  Every read is scoped to the caller's district in the query (readable_leads), and every
move is one conditional UPDATE (`WHERE state = <the state it was seen in>`), so two reviewers moving one lead at
once cannot both win.  A lead's state is mirrored into lead_outcomes, the table the bulk CSV upload also writes and
field precision reads, one row per (district, listed version, lead): both paths count once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dabiwu.db.base import new_id, utcnow
from dabiwu.db.models import Challenge, Lead, LeadEvent, LeadFlag, LeadOutcome, RegistryListing, User
from dabiwu.districts import states
from dabiwu.districts.schemas import LeadRowIn
from dabiwu.errors import DabiwuError


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def no_district() -> DabiwuError:
    return DabiwuError("Your account belongs to no district; ask an administrator to set one.",
                       "你的账号未关联任何地区；请联系管理员设置。", code="no_district", status=403)


def lead_not_found(lead_id: str) -> DabiwuError:
    return DabiwuError(f"No lead {lead_id} in your district's queue: GET /api/v1/leads lists them.",
                       f"本院线索队列中没有线索 {lead_id}：GET /api/v1/leads 可列出全部线索。",
                       code="lead_not_found", status=404)


def bad_state(name: str) -> DabiwuError:
    return DabiwuError(f"Unknown state {name!r}: use one of {', '.join(states.STATES)}.",
                       f"未知状态 {name!r}：可用状态为 {'、'.join(f'{s}（{states.STATE_ZH[s]}）' for s in states.STATES)}。",
                       code="bad_filter", status=422)


def readable_leads(user: User) -> Select:
    """The leads `user` may see: those of the user's own district, never another's."""
    if user.district_id is None:
        raise no_district()
    return select(Lead).where(Lead.district_id == user.district_id)


def get_lead(session: Session, *, user: User, lead_id: str) -> Lead:
    lead = session.scalar(readable_leads(user).where(Lead.id == lead_id))
    if lead is None:
        raise lead_not_found(lead_id)
    return lead


# -- leads in: a district pushes the ranked list of a `leads run` ------------------------------------------


def merge_key(row: LeadRowIn, *, key_column: str | None) -> str:
    if not key_column:
        return row.id
    if row.key is None or not row.key.strip():
        raise DabiwuError(
            f"This challenge merges leads by id and '{key_column}': every row needs its '{key_column}' value "
            f"as `key` (lead {row.id} has none). Run `dabiwu leads run` again: it writes that column.",
            f"本赛题按编号和「{key_column}」合并线索：每行须带「{key_column}」的值（key 字段），线索 {row.id} 缺少。"
            "请重新运行 `dabiwu leads run`，它会写出该列。",
            code="lead_key_missing", status=422)
    return f"{row.id}|{row.key.strip()}"


def push_leads(session: Session, *, user: User, challenge: Challenge, version: int, run_label: str,
               rows: list[LeadRowIn]) -> dict[str, int]:
    """Add a run's leads to the district's queue: one lead per entity, one flag per (version, run)."""
    if user.district_id is None:
        raise no_district()
    listing = session.scalar(select(RegistryListing).where(RegistryListing.challenge_id == challenge.id,
                                                           RegistryListing.version == version))
    if listing is None:
        raise DabiwuError(f"{challenge.slug} has no registry version {version}: GET /api/v1/registry/models lists them.",
                          f"{challenge.slug} 没有第 {version} 版：GET /api/v1/registry/models 列出所有版本。",
                          code="registry_version_not_found", status=404)
    key_column = challenge.rules.lead_merge_key
    best: dict[str, LeadRowIn] = {}
    for row in rows:  # the same entity twice in one list: its best row stands for it
        key = merge_key(row, key_column=key_column)
        if key not in best or row.score > best[key].score:
            best[key] = row
    if not best:
        return {"received": len(rows), "new_leads": 0, "merged": 0, "already_pushed": 0}
    insert = _insert(session)
    existing = _lead_ids(session, user=user, challenge=challenge, keys=list(best))
    new = [{"id": new_id(), "challenge_id": challenge.id, "district_id": user.district_id, "entity_id": row.id,
            "merge_key": key, "state": states.NEW, "best_score": row.score, "created_at": utcnow(),
            "state_changed_at": utcnow()} for key, row in best.items() if key not in existing]
    created: set[str] = set()
    if new:  # another push of the same entities may be racing: the unique key settles it
        for chunk in _chunks(new):
            created |= set(session.scalars(insert(Lead).values(chunk).on_conflict_do_nothing(
                index_elements=["district_id", "challenge_id", "merge_key"]).returning(Lead.merge_key)))
    ids = _lead_ids(session, user=user, challenge=challenge, keys=list(best))
    label = run_label.strip() or utcnow().strftime("%Y%m%dT%H%M%SZ")
    flags = [{"lead_id": ids[key], "listing_id": listing.id, "run_label": label, "score": row.score,
              "rank": row.rank, "flagged_at": utcnow()} for key, row in best.items()]
    flagged: set[str] = set()
    for chunk in _chunks(flags):
        flagged |= set(session.scalars(insert(LeadFlag).values(chunk).on_conflict_do_nothing(
            index_elements=["lead_id", "listing_id", "run_label"]).returning(LeadFlag.lead_id)))
    for key, row in best.items():
        if ids[key] in flagged:
            session.execute(update(Lead).where(Lead.id == ids[key], Lead.best_score < row.score)
                            .values(best_score=row.score))
    _mirror(session, lead_ids=sorted(flagged), user=user, overwrite=False)
    session.flush()
    merged = len(flagged - {ids[key] for key in created})
    return {"received": len(rows), "new_leads": len(created), "merged": merged,
            "already_pushed": len(best) - len(flagged)}


def _chunks(rows: list, size: int = 500):
    """Multi-row statements in bounded pieces (SQLite caps the bound parameters of one statement)."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _lead_ids(session: Session, *, user: User, challenge: Challenge, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):  # bounded IN lists
        chunk = keys[start:start + 500]
        found.update(session.execute(select(Lead.merge_key, Lead.id).where(
            Lead.district_id == user.district_id, Lead.challenge_id == challenge.id,
            Lead.merge_key.in_(chunk))).tuples().all())
    return found


def _mirror(session: Session, *, lead_ids: list[str], user: User, overwrite: bool) -> None:
    """Write each lead's state as an outcome of every listed version that flagged it (lead_outcomes).  A new lead
    does not overwrite an outcome the district already uploaded for it (overwrite=False); a move does."""
    for chunk in _chunks(lead_ids):
        _mirror_chunk(session, lead_ids=chunk, user=user, overwrite=overwrite)


def _mirror_chunk(session: Session, *, lead_ids: list[str], user: User, overwrite: bool) -> None:
    pairs = session.execute(
        select(Lead.district_id, LeadFlag.listing_id, Lead.merge_key, Lead.state, Lead.reason)
        .join(LeadFlag, LeadFlag.lead_id == Lead.id).where(Lead.id.in_(lead_ids)).distinct()
    ).all()
    if not pairs:
        return
    now = utcnow()
    values = [{"district_id": district_id, "listing_id": listing_id, "lead_id": key,
               "outcome": states.OUTCOME_OF[state], "note": reason or "", "reported_by": user.id,
               "reported_at": now, "updated_at": now} for district_id, listing_id, key, state, reason in pairs]
    statement = _insert(session)(LeadOutcome).values(values)
    keys = ["district_id", "listing_id", "lead_id"]
    if overwrite:
        statement = statement.on_conflict_do_update(index_elements=keys, set_={
            "outcome": statement.excluded.outcome, "note": statement.excluded.note,
            "reported_by": statement.excluded.reported_by, "updated_at": statement.excluded.updated_at})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    session.execute(statement)


# -- moves -------------------------------------------------------------------------------------------------


def illegal_move(lead: Lead, to_state: str) -> DabiwuError:
    allowed = states.NEXT[lead.state]
    allowed_en = ", ".join(f"{s} ({states.STATE_ZH[s]})" for s in allowed) or "none: this lead is closed"
    allowed_zh = "、".join(states.STATE_ZH[s] for s in allowed) or "无：该线索已办结"
    return DabiwuError(
        f"A lead in state {lead.state} ({states.STATE_ZH[lead.state]}) cannot move to {to_state} "
        f"({states.STATE_ZH[to_state]}); it can move to: {allowed_en}.",
        f"处于「{states.STATE_ZH[lead.state]}」的线索不能转为「{states.STATE_ZH[to_state]}」；可转为：{allowed_zh}。",
        code="illegal_lead_transition", status=409,
        extra={"state": lead.state, "next_states": list(allowed)})


def move(session: Session, *, user: User, lead_id: str, to_state: str, reason: str | None = None,
         expected_state: str | None = None) -> Lead:
    lead = get_lead(session, user=user, lead_id=lead_id)
    seen = expected_state or lead.state
    if seen != lead.state:
        raise _moved_meanwhile(lead)
    if to_state not in states.NEXT[lead.state]:
        raise illegal_move(lead, to_state)
    reason = (reason or "").strip() or None
    if to_state == states.NO_CASE and reason is None:
        raise DabiwuError("Give the reason no case was opened (不立案理由): it is kept with the lead.",
                          "请填写不立案理由：理由随线索一并保存。", code="reason_required", status=422)
    # Check-then-write in one statement: only a lead still in the state the caller saw moves.
    moved = session.execute(
        update(Lead).where(Lead.id == lead.id, Lead.district_id == user.district_id, Lead.state == seen)
        .values(state=to_state, reason=reason if to_state == states.NO_CASE else Lead.reason,
                state_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        session.refresh(lead)
        raise _moved_meanwhile(lead)
    session.add(LeadEvent(lead_id=lead.id, actor_id=user.id, kind="state", from_state=seen, to_state=to_state,
                          note=reason or ""))
    _mirror(session, lead_ids=[lead.id], user=user, overwrite=True)
    session.flush()
    session.refresh(lead)
    return lead


def _moved_meanwhile(lead: Lead) -> DabiwuError:
    return DabiwuError(
        f"Someone moved this lead meanwhile: it is now {lead.state} ({states.STATE_ZH[lead.state]}). Reload it.",
        f"该线索刚被他人处理，现为「{states.STATE_ZH[lead.state]}」。请刷新后再操作。",
        code="lead_changed", status=409, extra={"state": lead.state})


def assign(session: Session, *, user: User, lead_id: str, assignee_id: int | None) -> Lead:
    lead = get_lead(session, user=user, lead_id=lead_id)
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if (assignee is None or not assignee.is_active or assignee.role != "district"
                or assignee.district_id != user.district_id):
            raise DabiwuError(
                f"User {assignee_id} is not a prosecutor of your district: assign a lead only to an active district "
                "account of your own district (GET /api/v1/leads/assignees lists them).",
                f"用户 {assignee_id} 不是本院检察官：线索只能分派给本院的在用区县账号（GET /api/v1/leads/assignees 可列出）。",
                code="assignee_not_in_district", status=422)
    lead.assignee_id = assignee_id
    session.add(LeadEvent(lead_id=lead.id, actor_id=user.id, kind="assign", assignee_id=assignee_id))
    session.flush()
    return lead


def bulk(session: Session, *, user: User, ids: list[str], state: str | None, reason: str | None,
         assignee_id: int | None, unassign: bool) -> list[dict[str, Any]]:
    """Each lead is moved on its own (savepoint): one refused lead does not undo the others; each gets its answer."""
    if state is None and assignee_id is None and not unassign:
        raise DabiwuError("Say what to change: a state, an assignee_id, or unassign.",
                          "请说明要修改什么：状态（state）、承办人（assignee_id）或取消分派（unassign）。",
                          code="bulk_nothing_to_do", status=422)
    results = []
    for lead_id in dict.fromkeys(ids):
        try:
            with session.begin_nested():
                if assignee_id is not None or unassign:
                    assign(session, user=user, lead_id=lead_id, assignee_id=None if unassign else assignee_id)
                if state is not None:
                    move(session, user=user, lead_id=lead_id, to_state=state, reason=reason)
            results.append({"id": lead_id, "ok": True})
        except DabiwuError as exc:
            results.append({"id": lead_id, "ok": False, "code": exc.code, "detail": exc.detail,
                            "detail_zh": exc.detail_zh})
    return results


# -- reads -------------------------------------------------------------------------------------------------


SORTS = {"-score": (Lead.best_score.desc(), Lead.id), "score": (Lead.best_score.asc(), Lead.id),
         "-updated": (Lead.state_changed_at.desc(), Lead.id), "updated": (Lead.state_changed_at.asc(), Lead.id)}


def list_query(session: Session, *, user: User, state: str | None, assignee: str | None, challenge: str | None,
               version: int | None, sort: str) -> Select:
    query = readable_leads(user)
    if state:
        query = query.where(Lead.state.in_(state.split(",")))
    if assignee == "me":
        query = query.where(Lead.assignee_id == user.id)
    elif assignee == "none":
        query = query.where(Lead.assignee_id.is_(None))
    elif assignee:
        query = query.where(Lead.assignee_id == _int(assignee, "assignee"))
    if challenge:
        query = query.where(Lead.challenge_id == select(Challenge.id).where(Challenge.slug == challenge)
                            .scalar_subquery())
    if version is not None:
        flagged = (select(LeadFlag.lead_id).join(RegistryListing, RegistryListing.id == LeadFlag.listing_id)
                   .where(RegistryListing.version == version))
        query = query.where(Lead.id.in_(flagged))
    return query.order_by(*SORTS[sort])


def _int(value: str, name: str) -> int:
    if not value.isdigit():
        raise DabiwuError(f"{name} must be a user id, 'me' or 'none', not {value!r}.",
                          f"{name} 须为用户编号、me 或 none，而不是 {value!r}。", code="bad_filter", status=422)
    return int(value)


def summaries(session: Session, leads: list[Lead]) -> list[dict[str, Any]]:
    if not leads:
        return []
    ids = [lead.id for lead in leads]
    versions: dict[str, set[int]] = {}
    counts: dict[str, int] = {}
    for lead_id, version in session.execute(
        select(LeadFlag.lead_id, RegistryListing.version).join(RegistryListing,
                                                               RegistryListing.id == LeadFlag.listing_id)
        .where(LeadFlag.lead_id.in_(ids))
    ):
        versions.setdefault(lead_id, set()).add(version)
        counts[lead_id] = counts.get(lead_id, 0) + 1
    slugs = dict(session.execute(select(Challenge.id, Challenge.slug).where(
        Challenge.id.in_({lead.challenge_id for lead in leads}))).tuples().all())
    names = _usernames(session, {lead.assignee_id for lead in leads})
    return [{"id": lead.id, "challenge": slugs.get(lead.challenge_id, ""), "entity_id": lead.entity_id,
             "merge_key": lead.merge_key, "state": lead.state, "reason": lead.reason,
             "assignee_id": lead.assignee_id, "assignee": names.get(lead.assignee_id),
             "best_score": lead.best_score, "flags": counts.get(lead.id, 0),
             "versions": sorted(versions.get(lead.id, ())), "created_at": lead.created_at,
             "state_changed_at": lead.state_changed_at} for lead in leads]


def _usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def detail(session: Session, *, user: User, lead_id: str) -> dict[str, Any]:
    lead = get_lead(session, user=user, lead_id=lead_id)
    flags = session.execute(
        select(LeadFlag, RegistryListing.registered_model, RegistryListing.version)
        .join(RegistryListing, RegistryListing.id == LeadFlag.listing_id)
        .where(LeadFlag.lead_id == lead.id).order_by(LeadFlag.score.desc())
    ).all()
    events = list(session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)
                                  .order_by(LeadEvent.at, LeadEvent.id)))
    names = _usernames(session, {e.actor_id for e in events} | {e.assignee_id for e in events})
    return {
        **summaries(session, [lead])[0],
        "flag_list": [{"registered_model": model, "version": version, "run_label": flag.run_label,
                       "score": flag.score, "rank": flag.rank, "flagged_at": flag.flagged_at}
                      for flag, model, version in flags],
        "history": [{"kind": e.kind, "from_state": e.from_state, "to_state": e.to_state,
                     "actor": names.get(e.actor_id), "assignee": names.get(e.assignee_id), "note": e.note,
                     "at": e.at} for e in events],
        "next_states": list(states.NEXT[lead.state]),
    }


def assignees(session: Session, *, user: User) -> list[User]:
    if user.district_id is None:
        raise no_district()
    return list(session.scalars(select(User).where(User.district_id == user.district_id, User.role == "district",
                                                   User.is_active.is_(True)).order_by(User.username)))
