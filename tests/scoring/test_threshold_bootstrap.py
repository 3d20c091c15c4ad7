"""Bootstrap CIs of the cut-off metrics (precision/recall/hits at k, F1 at 0.5, best F1) for a primary metric that is
one of them: each resample's value equals the point metric computed on the rows repeated by their weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dabiwu.scoring.bootstrap import aggregate_row_weights, rank_cells
from dabiwu.scoring.metrics import _ranked_metrics, compute_metrics
from dabiwu.scoring.threshold_bootstrap import (
    AT_K_METRICS,
    THRESHOLD_METRICS,
    best_f1_from_counts,
    bootstrap_threshold_metric,
    cut_metrics_from_counts,
    label_runs,
)


def _sorted_data(seed: int, n: int, *, decimals: int | None):
    rng = np.random.default_rng(seed)
    s = rng.random(n)
    if decimals is not None:
        s = np.round(s, decimals)  # ties, with mixed labels inside them
    y = rng.random(n) < 0.1 + 0.5 * s
    order = np.argsort(-s, kind="stable")
    return y[order], s[order]


@pytest.mark.parametrize("seed, decimals, k", [(0, 2, 40), (1, None, 75), (2, 1, 200), (3, 2, 10_000), (4, None, 1)])
def test_each_resample_equals_the_point_metric_of_the_repeated_rows(seed, decimals, k):
    y, s = _sorted_data(seed, 400, decimals=decimals)
    rng = np.random.default_rng(50 + seed)
    weights = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=6)
    weights[5, :60] = 0  # the top rows not drawn at all
    cut_at = int(np.count_nonzero(s >= 0.5))
    sizes, is_positive, run_of_row = label_runs(y, cut_at=cut_at)
    assert sizes.sum() == len(y) and (np.diff(run_of_row) >= 0).all()
    runs_above = int(run_of_row[cut_at - 1]) + 1 if cut_at else 0
    run_counts = np.stack([np.bincount(run_of_row, weights=w, minlength=sizes.shape[0]) for w in weights]).astype(np.int64)
    cells = rank_cells(y_sorted=y, scores_sorted=s)
    cell_counts = aggregate_row_weights(cells, weights.astype(float)).astype(np.int64)
    ours = {metric: cut_metrics_from_counts(run_counts, is_positive=is_positive, k=k, runs_above_05=runs_above,
                                            metric=metric) for metric in (*AT_K_METRICS, "f1_at_0_5")}
    ours["f1_best"] = best_f1_from_counts(cells, cell_counts)
    for b, w in enumerate(weights):
        want = _ranked_metrics(y_sorted=np.repeat(y, w), s_sorted=np.repeat(s, w), k=k)
        for metric in THRESHOLD_METRICS:
            expected = np.nan if want[metric] is None else want[metric]
            assert ours[metric][b] == pytest.approx(expected, abs=1e-12, nan_ok=True), (metric, b)


@pytest.mark.parametrize("primary", THRESHOLD_METRICS)
def test_a_cut_off_primary_metric_gets_its_own_ci(primary):
    rng = np.random.default_rng(7)
    n = 4000
    s = rng.random(n)
    y = rng.random(n) < 0.05 + 0.3 * s
    public = rng.random(n) < 0.3
    got = compute_metrics(y_true=y, scores=s, groups=None, is_public=public, k=200, primary=primary, n_bootstrap=400, seed=3)
    json.dumps(got, allow_nan=False)
    for split in ("public", "private"):
        part = got[split]
        low, high = part["ci"][primary]
        assert low <= part[primary] <= high and low < high
        assert part["ci"]["average_precision"] is not None  # AP and AUC keep theirs
        assert part["bootstrap"]["undefined"][primary] == 0
    from dabiwu.scoring.score_row import board_columns

    columns = board_columns(got, primary=primary, secondary="average_precision")  # what the boards show
    assert columns["private_ci_low"] == got["private"]["ci"][primary][0] is not None
    again = compute_metrics(y_true=y, scores=s, groups=None, is_public=public, k=200, primary=primary, n_bootstrap=400, seed=3)
    assert again["private"]["ci"] == got["private"]["ci"]


def test_the_resamples_match_plain_row_resampling_in_distribution():
    y, s = _sorted_data(9, 300, decimals=2)
    cells = rank_cells(y_sorted=y, scores_sorted=s)
    ours = bootstrap_threshold_metric(metric="precision_at_k", y_sorted=y, s_sorted=s, cells=cells, k=30,
                                      n_bootstrap=3000, seed=1)
    rng = np.random.default_rng(2)
    plain = []
    for _ in range(3000):
        w = np.bincount(rng.integers(0, len(y), size=len(y)), minlength=len(y))
        plain.append(_ranked_metrics(y_sorted=np.repeat(y, w), s_sorted=np.repeat(s, w), k=30)["precision_at_k"])
    plain = np.array(plain)
    assert ours.mean() == pytest.approx(plain.mean(), abs=0.01)
    assert ours.std() == pytest.approx(plain.std(), rel=0.08)


def test_no_rows_and_unknown_metrics():
    cells = rank_cells(y_sorted=np.zeros(0, bool), scores_sorted=np.zeros(0))
    values = bootstrap_threshold_metric(metric="hits_at_k", y_sorted=np.zeros(0, bool), s_sorted=np.zeros(0),
                                        cells=cells, k=5, n_bootstrap=10, seed=0)
    assert np.isnan(values).all()
    with pytest.raises(ValueError, match="average_precision"):
        bootstrap_threshold_metric(metric="average_precision", y_sorted=np.zeros(0, bool), s_sorted=np.zeros(0),
                                   cells=cells, k=5, n_bootstrap=10, seed=0)
