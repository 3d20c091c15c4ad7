"""The demo's lead queue: a few leads of the listed model in review at the demo district (issue #20).

The demo has no district data of its own, so the listed model's kept predictions on the hidden set stand in for a
district's `leads run`: their top rows are pushed as the demo district's leads, and some are moved along, so the
queue shows every kind of row (new, verifying, a case opened, a no-case with its reason)."""

from __future__ import annotations

import io
import logging

import pyarrow.parquet as pq
from sqlalchemy import select

from dabiwu.db.models import Challenge, Lead, RegistryListing, Score, User
from dabiwu.db.session import session_scope
from dabiwu.districts import service, states
from dabiwu.districts.schemas import LeadRowIn
from dabiwu.settings import Settings
from dabiwu.storage_access import store_for

log = logging.getLogger(__name__)

DEMO_DISTRICT_USER = "zaoyang"
DEMO_LEADS = 8
# (state to reach, reason): the first leads by score are moved along; the rest stay new
DEMO_MOVES = ((states.VERIFYING, None), (states.CASE_OPENED, None), (states.NO_CASE, "经核查，已依法处理，不符合立案条件"),
              (states.VERIFYING, None))
PATHS = {states.VERIFYING: (states.VERIFYING,), states.CASE_OPENED: (states.VERIFYING, states.CASE_OPENED),
         states.NO_CASE: (states.VERIFYING, states.NO_CASE)}


def seed_demo_leads(settings: Settings, *, slug: str) -> int:
    """Push the listed model's top DEMO_LEADS leads into the demo district's queue (once); the number pushed."""
    with session_scope(settings.resolved_database_url) as session:
        challenge = session.scalar(select(Challenge).where(Challenge.slug == slug))
        user = session.scalar(select(User).where(User.username == DEMO_DISTRICT_USER))
        if challenge is None or user is None or user.district_id is None:
            return 0
        if session.scalar(select(Lead.id).where(Lead.district_id == user.district_id).limit(1)):
            return 0
        listing = session.scalar(select(RegistryListing).where(
            RegistryListing.challenge_id == challenge.id, RegistryListing.listed.is_(True))
            .order_by(RegistryListing.version.desc()))
        score = session.get(Score, listing.score_id) if listing else None
        if score is None or not score.predictions_key:
            return 0
        # our own scorer's output (written by the worker from the sandbox's checked parquet), not a team's bytes
        table = pq.read_table(io.BytesIO(store_for(settings).read_bytes(score.predictions_key)),
                              columns=["id", "score"]).to_pandas()
        top = table.sort_values("score", ascending=False, kind="stable").head(DEMO_LEADS)
        rows = [LeadRowIn(id=str(row.id), score=float(row.score), rank=rank)
                for rank, row in enumerate(top.itertuples(index=False), start=1)]
        service.push_leads(session, user=user, challenge=challenge, version=listing.version, run_label="demo",
                           rows=rows)
        leads = list(session.scalars(service.readable_leads(user).order_by(Lead.best_score.desc())))
        for lead, (target, reason) in zip(leads, DEMO_MOVES):
            for step in PATHS[target]:
                service.move(session, user=user, lead_id=lead.id, to_state=step, reason=reason)
        log.info("demo: %d leads in review at %s", len(rows), DEMO_DISTRICT_USER)
        return len(rows)
