"""A score's metrics document, typed (dabiwu.scoring.schemas), is sent exactly as the scorer stored it.

GET /submissions/{id} sends `SubmissionOut.metrics` through the typed `SubmissionMetrics`: the same keys, in the same
order, with the same values as the document the scorer wrote (staff's view) and the one a team may see (small
districts withheld, rates rounded); a part a hand-made or older row lacks stays absent instead of becoming null.
(The key order is the scorer's: the models declare their fields in the order scoring/metrics.py writes them, and the
web UI lists the figures in it.)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dabiwu.challenges.rules import MetricRule
from dabiwu.scoring.disclosure import Disclosure, team_split_view
from dabiwu.scoring.schemas import SplitMetrics, SubmissionMetrics
from dabiwu.scoring.score_row import build_score


def _stored_metrics(primary: str) -> dict:
    rng = np.random.default_rng(7)
    n = 3000
    y = (rng.random(n) < 0.12).astype(int)
    labels = pd.DataFrame({"label": y, "group": rng.choice(["东城", "西城", "南城", "北城", "小县"], size=n,
                                                           p=[0.3, 0.3, 0.2, 0.18, 0.02]),
                           "is_public": rng.random(n) < 0.4})
    scores = rng.random(n) * 0.7 + 0.3 * y
    metric = MetricRule(primary=primary, secondary=["roc_auc"], k=150)
    score = build_score(metric=metric, labels=labels, scores=scores, dataset_id=1, dataset_sha256="d" * 64,
                        model_sha256="m" * 64, predictions_key="p", sandbox_kind="fresh", runtime_s=1.5,
                        peak_mem_mb=80.0, sandbox_prestarted=False)
    return json.loads(json.dumps(score.metrics))  # as the JSON column gives it back


def _as_sent(document: dict) -> dict:
    return json.loads(SubmissionMetrics.model_validate(document).model_dump_json())


def _same(sent: dict, stored: dict) -> None:
    assert sent == stored
    assert json.dumps(sent, ensure_ascii=False) == json.dumps(stored, ensure_ascii=False)  # the key order too


@pytest.mark.parametrize("primary", ["average_precision", "precision_at_k"])
def test_staff_and_team_views_are_sent_as_stored(primary):
    stored = _stored_metrics(primary)
    staff = {**stored["public"], "private": stored["private"],
             "scoring": {"scorer_version": stored["scorer_version"], "dataset_sha256": stored["dataset_sha256"],
                         "model_sha256": stored["model_sha256"], "sandbox_kind": "fresh", "runtime_s": 1.5,
                         "peak_mem_mb": 80.0, "sandbox_prestarted": None}}
    _same(_as_sent(staff), staff)
    team_view = team_split_view(stored["public"], Disclosure(min_rows=100, min_positives=5))
    assert team_view["per_district_withheld"] == ["小县"]  # the small district is withheld, so the view differs
    team = {**team_view, "scoring": staff["scoring"]}  # before finalize: no private split at all
    sent = _as_sent(team)
    _same(sent, team)
    assert "private" not in sent and "hits_at_k" not in sent["per_district"]["东城"]


def test_parts_a_row_lacks_stay_absent():
    for document in ({}, {"private": None}, {"private": {"precision_at_k": 0.4, "k": 50}},
                     {"average_precision": None, "ci": {"average_precision": None}, "worst_district": {"roc_auc": None}}):
        assert _as_sent(document) == document  # (in the scorer's key order, which a hand-made row need not keep)
    assert SplitMetrics.model_validate({"k": 50}).model_dump(mode="json") == {"k": 50}
