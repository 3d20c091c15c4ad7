"""A challenge with hand-made scores, to test the ranking rules without running models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from tests.challenge_spec import complete_spec

TOY_SPEC = complete_spec(
    slug="toy",
    title_zh="玩具赛题",
    title_en="Toy challenge",
    metric={"primary": "average_precision", "k": 10, "secondary": ["roc_auc"]},
    phases={"open": "2026-01-01T00:00:00+08:00", "close": "2099-01-01T00:00:00+08:00",
            "merger_deadline": "2098-01-01T00:00:00+08:00"},
    limits={"daily_submissions": 5, "max_model_mb": 200, "time_limit_s": 300, "memory_mb": 4096, "team_size": 3,
            "final_selections": 2},
    rubric=[{"key": "necessity", "zh": "建模必要性", "en": "necessity", "weight": 0.25},
            {"key": "accuracy", "zh": "线索准确性", "en": "lead accuracy", "weight": 0.75}],
    ranking={"metric_weight": 0.5, "rubric_weight": 0.5},
)


@dataclass
class World:
    settings: object
    challenge_id: int
    teams: dict[str, int] = field(default_factory=dict)
    clock: datetime = datetime(2026, 3, 1, tzinfo=timezone.utc)

    def session(self):
        from dabiwu.db.session import session_scope

        return session_scope(self.settings.resolved_database_url)

    def scored(self, team: str, public: float, private: float, *, secondary: float | None = 0.5,
               ci: tuple[float, float] | None = None, is_final: bool = False, status: str = "scored") -> str:
        from dabiwu.db.models import Score, Submission

        self.clock += timedelta(minutes=1)
        with self.session() as session:
            sub = Submission(challenge_id=self.challenge_id, team_id=self.teams[team], status=status,
                             quota_day="2026-03-01", created_at=self.clock, is_final=is_final, dataset_id=None)
            session.add(sub)
            session.flush()
            if status == "scored":
                low, high = ci or (public - 0.01, public + 0.01)
                session.add(Score(
                    submission_id=sub.id, version=1, scorer_version="t", dataset_id=self.dataset_id,
                    dataset_sha256="0" * 64, model_sha256="0" * 64, sandbox_kind="none", runtime_s=1.0,
                    peak_mem_mb=1.0, public_score=public, private_score=private, public_secondary=secondary,
                    private_secondary=secondary, public_ci_low=low, public_ci_high=high,
                    private_ci_low=private - 0.01, private_ci_high=private + 0.01, metrics={"public": {}, "private": {}},
                    predictions_key="none", is_latest=True,
                ))
            return sub.id

    def rescore(self, submission_id: str, public: float, private: float) -> None:
        from sqlalchemy import select, update

        from dabiwu.db.models import Score

        with self.session() as session:
            old = session.scalar(select(Score).where(Score.submission_id == submission_id, Score.is_latest.is_(True)))
            session.execute(update(Score).where(Score.submission_id == submission_id).values(is_latest=False))
            session.add(Score(
                submission_id=submission_id, version=old.version + 1, scorer_version="t2", dataset_id=old.dataset_id,
                dataset_sha256=old.dataset_sha256, model_sha256=old.model_sha256, sandbox_kind="none", runtime_s=1.0,
                peak_mem_mb=1.0, public_score=public, private_score=private, public_secondary=old.public_secondary,
                private_secondary=old.private_secondary, public_ci_low=public - 0.01, public_ci_high=public + 0.01,
                private_ci_low=private - 0.01, private_ci_high=private + 0.01, metrics={}, predictions_key="none",
                is_latest=True,
            ))


@pytest.fixture
def world(settings, make_user):
    from dabiwu.db.models import Challenge, DatasetVersion
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        challenge = Challenge(slug="toy", title_zh="玩具赛题", title_en="Toy", bundle_version="1", spec=TOY_SPEC)
        session.add(challenge)
        session.flush()
        dataset = DatasetVersion(
            challenge_id=challenge.id, bundle_version="1", seed=1, train_key="k", train_sha256="0" * 64,
            train_rows=1, test_features_key="k", test_features_sha256="0" * 64, test_labels_key="k",
            test_labels_sha256="0" * 64, test_rows=1, train_csv_key="k", starting_kit_key="k",
        )
        session.add(dataset)
        session.flush()
        challenge.current_dataset_id = dataset.id
        challenge_id, dataset_id = challenge.id, dataset.id
    w = World(settings=settings, challenge_id=challenge_id)
    w.dataset_id = dataset_id
    w.headers = {}
    for name in ("A", "B", "C"):
        user_id, headers = make_user(f"user_{name.lower()}", "team", team=name)
        w.headers[name] = headers
    with session_scope(settings.resolved_database_url) as session:
        from sqlalchemy import select

        from dabiwu.db.models import Team

        w.teams = {t.name: t.id for t in session.scalars(select(Team))}
    w.headers["judge"] = make_user("judge_x", "judge")[1]
    w.headers["admin"] = make_user("admin_x", "admin")[1]
    return w
