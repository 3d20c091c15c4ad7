"""Promotion gate arithmetic: top-k, overlap, incremental recall and the gate report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dabiwu.scoring.metrics import compute_metrics
from models_registry.gates import evaluate_gates, incremental_recall, jaccard_top_k, top_k_set
from models_registry.schemas import GateReport

GATES = {"min_primary": 0.3, "min_worst_district": 0.2, "min_novelty": 0.02, "max_listed": 5}


def _world(seed: int = 0, n: int = 3000):
    """Labels, districts and three models: a good one, a different good one, a weak one."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.08).astype(int)
    groups = rng.choice(["东城", "西城", "南城"], size=n)
    signal_a = rng.random(n) + 0.9 * y * (rng.random(n) < 0.6)  # finds one half of the leads...
    signal_b = rng.random(n) + 0.9 * y * (rng.random(n) < 0.6)  # ...and another, overlapping half
    weak = rng.random(n) + 0.05 * y
    public = rng.random(n) < 0.3
    return y, groups, public, {"a": signal_a, "b": signal_b, "weak": weak}


def _metrics(y, scores, groups, public):
    return compute_metrics(y_true=y, scores=scores, groups=groups, is_public=public, k=300, n_bootstrap=0)


def test_top_k_set_breaks_ties_by_row_order():
    scores = np.array([0.5, 0.9, 0.5, 0.5, 0.1, 0.9])
    assert top_k_set(scores, 3).tolist() == [1, 5, 0]
    assert top_k_set(scores, 4).tolist() == [1, 5, 0, 2]
    assert top_k_set(scores, 99).tolist() == np.argsort(-scores, kind="stable").tolist()
    assert top_k_set(scores, 0).tolist() == []
    rng = np.random.default_rng(0)
    tied = np.round(rng.random(1000), 1)
    for k in (1, 37, 500):
        assert top_k_set(tied, k).tolist() == np.argsort(-tied, kind="stable")[:k].tolist()


def test_jaccard_top_k():
    a = np.array([4.0, 3, 2, 1, 0])
    assert jaccard_top_k(a, a.copy(), 2) == 1.0
    assert jaccard_top_k(a, -a, 2) == 0.0
    assert jaccard_top_k(a, np.array([4.0, 0, 3, 1, 2]), 2) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        jaccard_top_k(a, a[:3], 2)


def test_incremental_recall_counts():
    y = np.array([1, 1, 1, 0, 1, 0])
    candidate = np.array([0.9, 0.8, 0.1, 0.7, 0.6, 0.0])  # top 3: rows 0, 1, 3 -> hits 0, 1
    listed = [np.array([0.9, 0.0, 0.0, 0.0, 0.8, 0.7])]  # top 3: rows 0, 4, 5 -> finds row 0
    got = incremental_recall(candidate_scores=candidate, listed_scores=listed, y_true=y, k=3)
    assert got.model_dump(mode="json") == {
        "k": 3,
        "positives": 4,
        "candidate_hits": 2,
        "already_found": 1,
        "new_hits": 1,
        "listed_hits": 2,
        "incremental_recall": 0.25,
    }
    alone = incremental_recall(candidate_scores=candidate, listed_scores=[], y_true=y, k=3)
    assert alone.new_hits == 2 and alone.incremental_recall == 0.5


def test_a_good_new_model_passes():
    y, groups, public, models = _world()
    report = evaluate_gates(
        candidate=_metrics(y, models["b"], groups, public),
        candidate_scores=models["b"],
        listed=[{"name": "lead-model", "version": 1, "scores": models["a"]}],
        y_true=y,
        groups=groups,
        k=300,
        gates=GATES,
        n_listed=1,
    )
    assert report.passed, report.failures()
    assert [check.name for check in report.checks] == ["primary", "worst_district", "novelty", "capacity"]
    assert report.overlaps[0].listed == "lead-model v1" and report.overlaps[0].jaccard < 0.9
    json.dumps(report.model_dump(mode="json"), allow_nan=False)


def test_a_clone_of_a_listed_model_fails_novelty_with_the_overlap():
    y, groups, public, models = _world()
    clone = models["a"].copy()
    report = evaluate_gates(
        candidate=_metrics(y, clone, groups, public),
        candidate_scores=clone,
        listed=[{"name": "lead-model", "version": 3, "scores": models["a"]}],
        y_true=y,
        groups=groups,
        k=300,
        gates={**GATES, "max_overlap": 0.8},
        n_listed=1,
    )
    assert not report.passed
    failed = {check.name: check for check in report.failures()}
    assert set(failed) == {"novelty", "overlap"}
    assert failed["novelty"].value == 0.0
    for message in (failed["novelty"].message_en, failed["novelty"].message_zh):
        assert "lead-model v3" in message and "1.00" in message
    assert [overlap.model_dump() for overlap in report.overlaps] == [{"listed": "lead-model v3", "jaccard": 1.0}]
    assert report.novelty.new_hits == 0 and report.novelty.candidate_hits > 0


def test_below_the_worst_district_bar_fails_and_names_the_district():
    y, groups, public, models = _world()
    # good everywhere except 南城, where the scores are noise
    scores = np.where(groups == "南城", np.random.default_rng(9).random(len(y)), models["a"])
    metrics = _metrics(y, scores, groups, public)
    worst = metrics["private"]["worst_district"]["average_precision"]
    assert worst["district"] == "南城"
    report = evaluate_gates(
        candidate=metrics,
        candidate_scores=scores,
        listed=[],
        y_true=y,
        groups=groups,
        k=300,
        gates={**GATES, "min_worst_district": worst["value"] + 0.05},
        n_listed=0,
    )
    failed = {check.name: check for check in report.failures()}
    assert list(failed) == ["worst_district"]
    assert "南城" in failed["worst_district"].message_zh and "南城" in failed["worst_district"].message_en
    assert failed["worst_district"].value == worst["value"]


def test_worst_district_is_computed_when_metrics_lack_it():
    y, groups, public, models = _world()
    bare = {"average_precision": 0.9}
    report = evaluate_gates(
        candidate=bare, candidate_scores=models["weak"], listed=[], y_true=y, groups=groups, k=300,
        gates={**GATES, "min_worst_district": 0.5}, n_listed=0,
    )
    check = next(check for check in report.checks if check.name == "worst_district")
    assert not check.passed and check.value < 0.5


def test_a_full_registry_fails_with_delist_first():
    y, groups, public, models = _world()
    report = evaluate_gates(
        candidate=_metrics(y, models["b"], groups, public),
        candidate_scores=models["b"],
        listed=[{"name": "lead-model", "version": 1, "scores": models["a"]}],
        y_true=y,
        groups=groups,
        k=300,
        gates=GATES,
        n_listed=5,
    )
    failed = report.failures()
    assert [check.name for check in failed] == ["capacity"]
    assert "delist one first" in failed[0].message_en and "须先下架" in failed[0].message_zh


def test_a_weak_model_fails_the_primary_bar_and_gates_can_be_off():
    y, groups, public, models = _world()
    metrics = _metrics(y, models["weak"], groups, public)
    report = evaluate_gates(
        candidate=metrics, candidate_scores=models["weak"], listed=[], y_true=y, groups=groups, k=300,
        gates={**GATES, "min_worst_district": None, "min_novelty": None}, n_listed=0,
    )
    assert [check.name for check in report.checks] == ["primary", "capacity"]
    primary = report.checks[0]
    assert not primary.passed and primary.value == metrics["private_score"] and "below" in primary.message_en
    with pytest.raises(ValueError, match="max_listed"):
        evaluate_gates(
            candidate=metrics, candidate_scores=models["weak"], listed=[], y_true=y, groups=groups, k=300,
            gates={"min_primary": 0.1, "min_worst_district": 0.1, "min_novelty": 0.1}, n_listed=0,
        )


def test_the_report_is_sent_as_computed_and_a_stored_one_reads_back():
    """GateReport is the API's type too: what check_gates adds (not_compared) is sent only when set, and a
    listing's stored report (or a row without one, `{}`) validates back to the same answer."""
    y, groups, public, models = _world()
    report = evaluate_gates(
        candidate=_metrics(y, models["b"], groups, public), candidate_scores=models["b"],
        listed=[{"name": "lead-model", "version": 1, "scores": models["a"]}], y_true=y, groups=groups, k=300,
        gates=GATES, n_listed=1,
    )
    stored = report.model_dump(mode="json")
    assert "not_compared" not in stored["novelty"] and stored["checks"][-1]["threshold"] == 5  # a count stays an int
    report.novelty.not_compared = [2]  # a listed version scored on another dataset version (promotion.check_gates)
    stored = json.loads(report.model_dump_json())
    assert stored["novelty"]["not_compared"] == [2]
    assert GateReport.model_validate(stored).model_dump(mode="json") == stored
    assert GateReport.model_validate({}).model_dump(mode="json") == {"passed": True, "checks": [], "overlaps": [],
                                                                     "novelty": None}
