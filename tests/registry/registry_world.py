"""The registry tests' small world: a challenge in the database, scored submissions with kept
predictions and a real stock-mlflow sklearn model archive.

The scoring pipeline is not run: each submission gets a Score row whose metrics come from the real
scorer (compute_metrics) over predictions we choose, so gates see exactly the overlap we design.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.challenge_spec import complete_spec

SLUG = "lead-check"
DISTRICTS = ("zaoyang", "xiangzhou", "fancheng", "yicheng")
FEATURES = ("f0", "f1", "f2")
N_ROWS = 1200
K = 120
GATES = {"min_primary": 0.1, "min_worst_district": 0.05, "min_novelty": 0.02, "max_listed": 5}
COLUMNS = [
    {"name": "case_id", "type": "string", "zh": "案件编号", "en": "Case ID", "role": "id"},
    {"name": "district", "type": "category", "zh": "区县", "en": "District", "role": "group"},
    {"name": "f0", "type": "float", "zh": "特征0", "en": "Feature 0"},
    {"name": "f1", "type": "float", "zh": "特征1", "en": "Feature 1"},
    {"name": "f2", "type": "float", "zh": "特征2", "en": "Feature 2"},
    {"name": "is_lead", "type": "int", "zh": "是否线索", "en": "Is lead", "role": "label"},
]


def lead_frame(n: int = N_ROWS, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "case_id": [f"C{i:05d}" for i in range(n)],
        "district": rng.choice(DISTRICTS, n),
        **{name: rng.random(n) for name in FEATURES},
    })
    frame["is_lead"] = (frame["f0"] + 0.3 * rng.random(n) > 1.0).astype(int)
    return frame


class World:
    def __init__(self, settings, make_user, model_archive: Path) -> None:
        from dabiwu.storage_access import store_for

        self.settings = settings
        self.store = store_for(settings)
        self.archive = model_archive
        self.frame = lead_frame()
        rng = np.random.default_rng(3)
        self.is_public = rng.random(N_ROWS) < 0.3
        self.y = self.frame["is_lead"].to_numpy()
        self.groups = self.frame["district"].to_numpy()
        # Accounts are made on first use: each costs a password hash.
        self.headers = _LazyAccounts(make_user, {
            "admin": ("admin1", "admin", {}),
            "judge": ("judge1", "judge", {}),
            "district": ("zaoyang1", "district", {"district": "zaoyang"}),
            "district_b": ("xiangzhou1", "district", {"district": "xiangzhou"}),
        })
        self.team_headers = {}
        self._make_user = make_user
        self.challenge_id, self.dataset_id = self._load()

    def team(self, name: str) -> dict:
        if name not in self.team_headers:
            self.team_headers[name] = self._make_user(f"user-{len(self.team_headers)}", "team", team=name)[1]
        return self.team_headers[name]

    def _session(self):
        from dabiwu.db.session import session_scope

        return session_scope(self.settings.resolved_database_url)

    def _load(self) -> tuple[int, int]:
        from dabiwu.db.models import Challenge, DatasetVersion

        labels = pd.DataFrame({"case_id": self.frame["case_id"], "label": self.y.astype("int8"),
                               "group": self.groups, "is_public": self.is_public})
        features = self.frame.drop(columns=["is_lead"])
        labels_blob = self.store.put_bytes("challenges/lead-check/hidden/test_labels.parquet", _parquet(labels))
        features_blob = self.store.put_bytes("challenges/lead-check/hidden/test_features.parquet", _parquet(features))
        spec = complete_spec(
            slug=SLUG, title_zh="线索核查", title_en="Lead check",
            description_zh="测试用赛题", description_en="A test challenge",
            columns=COLUMNS, id_column="case_id", label_column="is_lead", group_column="district",
            metric={"primary": "average_precision", "k": K}, promotion=dict(GATES),
            limits={"daily_submissions": 5, "max_model_mb": 200, "time_limit_s": 120, "memory_mb": 2048,
                    "team_size": 5, "final_selections": 2},
        )
        with self._session() as session:
            challenge = Challenge(slug=SLUG, title_zh=spec["title_zh"], title_en=spec["title_en"], bundle_version="1",
                                  spec=spec)
            session.add(challenge)
            session.flush()
            dataset = DatasetVersion(
                challenge_id=challenge.id, bundle_version="1", seed=1, train_key="-", train_sha256="-", train_rows=0,
                test_features_key=features_blob.key, test_features_sha256=features_blob.sha256,
                test_labels_key=labels_blob.key, test_labels_sha256=labels_blob.sha256, test_rows=N_ROWS,
                train_csv_key="-", starting_kit_key="-",
            )
            session.add(dataset)
            session.flush()
            challenge.current_dataset_id = dataset.id
            return challenge.id, dataset.id

    def set_spec(self, **changes) -> None:
        from dabiwu.db.models import Challenge

        with self._session() as session:
            challenge = session.get(Challenge, self.challenge_id)
            spec = dict(challenge.spec)
            for key, value in changes.items():
                spec[key] = value
            challenge.spec = spec

    def finalize(self) -> None:
        from dabiwu.db.base import utcnow
        from dabiwu.db.models import Challenge

        with self._session() as session:
            session.get(Challenge, self.challenge_id).finalized_at = utcnow()

    def submit(self, team: str, scores: np.ndarray) -> str:
        """A scored submission of `team` whose kept predictions are `scores` (one per row)."""
        from dabiwu.auth.service import get_or_create_team
        from dabiwu.db.models import Score, Submission
        from dabiwu.scoring.metrics import compute_metrics
        from dabiwu.scoring.score_row import board_columns

        self.team(team)
        metrics = compute_metrics(y_true=self.y, scores=scores, groups=self.groups, is_public=self.is_public, k=K,
                                  n_bootstrap=50)
        metrics.update(scorer_version="1.0.0", dataset_sha256="d" * 64, model_sha256="m" * 64)
        with self._session() as session:
            team_row = get_or_create_team(session, name=team)
            submission = Submission(challenge_id=self.challenge_id, team_id=team_row.id, dataset_id=self.dataset_id,
                                    status="scored", filename="model.tar.gz", quota_day="2026-11-26")
            session.add(submission)
            session.flush()
            blob = self.store.put_file(f"submissions/{submission.id}/model.tar.gz", self.archive)
            submission.blob_key, submission.sha256, submission.size_bytes = blob.key, blob.sha256, blob.size
            predictions = pd.DataFrame({"id": self.frame["case_id"], "score": scores})
            key = f"predictions/dataset-{self.dataset_id}/{submission.id}.parquet"
            self.store.put_bytes(key, _parquet(predictions))
            session.add(Score(
                **board_columns(metrics, primary="average_precision", secondary="roc_auc"),
                submission_id=submission.id, version=1, scorer_version="1.0.0", dataset_id=self.dataset_id,
                dataset_sha256="d" * 64, model_sha256=blob.sha256, sandbox_kind="none", runtime_s=0.1,
                peak_mem_mb=100.0, metrics=metrics, predictions_key=key,
            ))
            return submission.id

    # -- predictions with a designed overlap ---------------------------------------------------

    def finder(self, share: tuple[int, int] = (0, 1), *, seed: int = 0, skip_district: str | None = None) -> np.ndarray:
        """Scores that rank on top the positives whose position among all positives is in slice
        `share` = (i, n): the i-th of n equal parts.  Everything else is noise below them."""
        rng = np.random.default_rng(seed)
        scores = rng.random(N_ROWS) * 0.5
        positives = np.flatnonzero(self.y)
        index, parts = share
        chosen = np.array_split(positives, parts)[index]
        if skip_district is not None:
            chosen = chosen[self.groups[chosen] != skip_district]
        scores[chosen] += 1.0
        return scores


class _LazyAccounts(dict):
    def __init__(self, make_user, accounts: dict) -> None:
        super().__init__()
        self._make_user = make_user
        self._accounts = accounts

    def __missing__(self, role: str) -> dict:
        username, kind, extra = self._accounts[role]
        self[role] = self._make_user(username, kind, **extra)[1]
        return self[role]


def _parquet(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
