"""A challenge with two listed versions (rows made directly: promotion is tested in tests/registry) and district
accounts in two districts, for the lead review queue and the field board."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.challenge_spec import complete_spec

SLUG = "lead-queue"
SPEC = complete_spec(slug=SLUG, title_zh="线索队列", title_en="Lead queue",
                     supervision_point={"zh": "醉驾撤案监督", "en": "Withdrawn drunk-driving cases"})
SPEC["metric"]["k"] = 50  # the bundle's columns: id case_id, group district, label is_lead


@dataclass
class LeadWorld:
    settings: object
    challenge_id: int
    dataset_id: int = 0
    listings: dict[int, int] = field(default_factory=dict)  # version -> listing id
    headers: dict[str, dict] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def session(self):
        from dabiwu.db.session import session_scope

        return session_scope(self.settings.resolved_database_url)

    def list_version(self, version: int, *, team: str, precision: float = 0.4, promoted_at=None) -> int:
        from dabiwu.auth.service import get_or_create_team
        from dabiwu.db.base import utcnow
        from dabiwu.db.models import RegistryListing, Score, Submission

        with self.session() as session:
            team_row = get_or_create_team(session, name=team)
            sub = Submission(challenge_id=self.challenge_id, team_id=team_row.id, status="scored",
                             quota_day="2026-03-01", dataset_id=self.dataset_id)
            session.add(sub)
            session.flush()
            score = Score(submission_id=sub.id, version=1, scorer_version="t", dataset_id=self.dataset_id,
                          dataset_sha256="0" * 64, model_sha256="0" * 64, sandbox_kind="none", runtime_s=1.0,
                          peak_mem_mb=1.0, public_score=0.5, private_score=0.5,
                          metrics={"private": {"precision_at_k": precision, "k": 50}}, predictions_key="none",
                          is_latest=True)
            session.add(score)
            session.flush()
            listing = RegistryListing(challenge_id=self.challenge_id, submission_id=sub.id, score_id=score.id,
                                      team_id=team_row.id, registered_model=SLUG, version=version, run_id="r",
                                      model_sha256="0" * 64, public_score=0.5, private_score=0.5,
                                      promoted_at=promoted_at or utcnow())
            session.add(listing)
            session.flush()
            self.listings[version] = listing.id
            return listing.id


@pytest.fixture
def leads_world(settings, make_user):
    from dabiwu.db.models import Challenge, DatasetVersion
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        challenge = Challenge(slug=SLUG, title_zh=SPEC["title_zh"], title_en=SPEC["title_en"], bundle_version="1",
                              spec=SPEC)
        session.add(challenge)
        session.flush()
        dataset = DatasetVersion(
            challenge_id=challenge.id, bundle_version="1", seed=1, train_key="k", train_sha256="0" * 64,
            train_rows=1, test_features_key="k", test_features_sha256="0" * 64, test_labels_key="k",
            test_labels_sha256="0" * 64, test_rows=1, train_csv_key="k", starting_kit_key="k")
        session.add(dataset)
        session.flush()
        world = LeadWorld(settings=settings, challenge_id=challenge.id, dataset_id=dataset.id)
    for name, district in (("zy1", "zaoyang"), ("zy2", "zaoyang"), ("xz1", "xiangzhou")):
        world.users[name], world.headers[name] = make_user(name, "district", district=district)
    world.users["judge"], world.headers["judge"] = make_user("judge1", "judge")
    world.list_version(1, team="Team A")
    world.list_version(2, team="Team B")
    return world


def push(client, headers, *, version: int, rows: list[dict], run_label: str = "run-1"):
    return client.post("/api/v1/leads/push", headers=headers,
                       json={"challenge": SLUG, "version": version, "run_label": run_label, "rows": rows})
