"""The demo: bundled challenges, one account per role, and (as capabilities land) scored baselines."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select

from dabiwu.auth.service import create_user
from dabiwu.challenges.service import bundled_challenge_paths, load_challenge
from dabiwu.db.models import User
from dabiwu.db.session import session_scope
from dabiwu.settings import Settings
from dabiwu.storage_access import store_for

log = logging.getLogger(__name__)

# Demo-only credentials, printed by `make run`; never used outside DABIWU_MODE=demo.
DEMO_ACCOUNTS = (
    {"username": "admin", "password": "dabiwu-admin", "role": "admin", "display_name": "平台管理员"},
    {"username": "judge", "password": "dabiwu-judge", "role": "judge", "display_name": "评审专家"},
    {"username": "alice", "password": "dabiwu-team1", "role": "team", "team": "襄城检察数据队", "display_name": "Alice"},
    {"username": "bob", "password": "dabiwu-team2", "role": "team", "team": "樊城监督模型组", "display_name": "Bob"},
    {"username": "zaoyang", "password": "dabiwu-district", "role": "district", "district": "zaoyang", "display_name": "枣阳市院"},
)


def seed_demo(settings: Settings, *, challenges_root: Path) -> list[tuple[str, str, str]]:
    store = store_for(settings)
    for path in bundled_challenge_paths(challenges_root):
        with session_scope(settings.resolved_database_url) as session:
            result = load_challenge(session, store=store, path=path)
            if result.created:
                log.info("demo: loaded %s", result.challenge.slug)
    with session_scope(settings.resolved_database_url) as session:
        existing = set(session.scalars(select(User.username)))
        for account in DEMO_ACCOUNTS:
            if account["username"] not in existing:
                # The demo's judge chairs the panel (head judge), so the judge screens can finalize.
                create_user(session, **account, is_head_judge=account["role"] == "judge")
    return [(a["username"], a["password"], a["role"]) for a in DEMO_ACCOUNTS]
