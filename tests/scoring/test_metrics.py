"""The trusted scorer's metrics against scikit-learn's reference functions, and its bootstrap."""

from __future__ import annotations

import json
import math
import time
import warnings

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_recall_curve, roc_auc_score

from dabiwu.scoring.bootstrap import (
    CellSampler,
    PoissonTables,
    aggregate_row_weights,
    ap_auc_from_counts,
    bootstrap_ap_auc,
    point_ap_auc,
    poisson_cdfs,
    rank_cells,
)
from dabiwu.scoring.metrics import compute_metrics, compute_split_metrics, scale_k

TOL = 1e-9


def _data(seed: int, n: int, *, rate: float = 0.15, decimals: int | None = 2, districts: int = 4):
    """Scores with many ties (rounded), labels correlated with them, a few districts."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(int)
    s = rng.random(n) * 0.8 + 0.25 * y
    if decimals is not None:
        s = np.round(s, decimals)
    groups = rng.choice([f"区{i}" for i in range(districts)], size=n)
    return y, s, groups


def _reference(y: np.ndarray, s: np.ndarray, k: int) -> dict:
    """The same metrics from scikit-learn and a plain stable sort."""
    top = np.argsort(-s, kind="stable")[: min(k, len(s))]
    precision, recall, thresholds = precision_recall_curve(y, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {
        "average_precision": average_precision_score(y, s),
        "roc_auc": roc_auc_score(y, s),
        "f1_at_0_5": f1_score(y, s >= 0.5),
        "f1_best": f1.max(),
        "hits_at_k": int(y[top].sum()),
        "precision_at_k": y[top].sum() / len(top),
        "recall_at_k": y[top].sum() / y.sum(),
    }


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("decimals", [1, 2, None])
def test_point_metrics_equal_sklearn(seed, decimals):
    y, s, groups = _data(seed, 400 + 37 * seed, decimals=decimals)
    got = compute_split_metrics(y_true=y, scores=s, groups=groups, k=40, n_bootstrap=0)
    want = _reference(y, s, 40)
    for name, value in want.items():
        assert got[name] == pytest.approx(value, abs=TOL), name
    # the reported threshold really achieves the best F1
    assert f1_score(y, s >= got["best_threshold"]) == pytest.approx(got["f1_best"], abs=TOL)
    assert (got["n"], got["positives"], got["k"]) == (len(y), int(y.sum()), 40)


def test_best_threshold_is_the_highest_of_equal_f1s():
    # thresholds 0.9 and 0.5 both give F1 = 2/3; the higher one is reported
    y = np.array([1, 0, 0, 1, 0, 0])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.1])
    got = compute_split_metrics(y_true=y, scores=s, groups=None, k=2, n_bootstrap=0)
    assert got["f1_best"] == pytest.approx(2 / 3)
    assert got["best_threshold"] == 0.9


def test_top_k_ties_go_to_the_earlier_row():
    y = np.array([0, 1, 1, 0, 1, 1])
    s = np.full(6, 0.3)
    got = compute_split_metrics(y_true=y, scores=s, groups=None, k=3, n_bootstrap=0)
    assert got["hits_at_k"] == 2 and got["precision_at_k"] == pytest.approx(2 / 3)
    assert got["recall_at_k"] == pytest.approx(0.5)
    whole = compute_split_metrics(y_true=y, scores=s, groups=None, k=99, n_bootstrap=0)
    assert whole["k"] == 6 and whole["hits_at_k"] == 4


@pytest.mark.parametrize("seed", range(4))
def test_weighted_cells_equal_sklearn_sample_weight(seed):
    """Bootstrap row weights through the cell formulas vs scikit-learn's sample_weight."""
    y, s, _ = _data(seed, 300, decimals=2 if seed % 2 else None)
    rng = np.random.default_rng(100 + seed)
    order = np.argsort(-s, kind="stable")
    cells = rank_cells(y_sorted=y[order], scores_sorted=s[order])
    weights = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=5).astype(float)
    weights[4] = rng.random(len(y)) * 3  # and arbitrary real weights
    weights[3, order[:40]] = 0  # the top-ranked rows not drawn at all: nothing is flagged at the first thresholds
    ap, auc = ap_auc_from_counts(cells, aggregate_row_weights(cells, weights[:, order]))
    integer_ap, integer_auc = ap_auc_from_counts(cells, aggregate_row_weights(cells, weights[:4, order]).astype(np.int64))
    np.testing.assert_allclose(integer_ap, ap[:4], rtol=0, atol=TOL)
    np.testing.assert_allclose(integer_auc, auc[:4], rtol=0, atol=TOL)
    for b, w in enumerate(weights):
        assert ap[b] == pytest.approx(average_precision_score(y, s, sample_weight=w), abs=TOL)
        assert auc[b] == pytest.approx(roc_auc_score(y, s, sample_weight=w), abs=TOL)


def test_per_district_metrics_and_scaled_k():
    y, s, groups = _data(7, 900, districts=3)
    got = compute_split_metrics(y_true=y, scores=s, groups=groups, k=90, n_bootstrap=0)
    assert sorted(got["per_district"]) == sorted(set(groups))
    for district, metrics in got["per_district"].items():
        rows = groups == district
        k_d = max(1, round(90 * rows.sum() / len(y)))
        assert metrics["k"] == k_d
        want = _reference(y[rows], s[rows], k_d)
        for name, value in want.items():
            assert metrics[name] == pytest.approx(value, abs=TOL), (district, name)
        assert "ci" not in metrics
    for name, worst in got["worst_district"].items():
        values = {d: m[name] for d, m in got["per_district"].items()}
        assert worst["value"] == min(values.values())
        assert values[worst["district"]] == worst["value"]


def test_undefined_metrics_are_none_and_json_has_no_nan():
    y = np.array([1, 0, 1, 0, 0, 0, 1, 1, 0, 0])
    s = np.linspace(1, 0, 10)
    groups = np.array(["a"] * 4 + ["only_neg"] * 3 + ["only_pos"] * 3)
    y[4:7] = 0
    y[7:] = 1
    got = compute_split_metrics(y_true=y, scores=s, groups=groups, k=3, n_bootstrap=50)
    neg, pos = got["per_district"]["only_neg"], got["per_district"]["only_pos"]
    assert neg["average_precision"] is None and neg["roc_auc"] is None and neg["recall_at_k"] is None
    assert neg["f1_best"] is None and neg["best_threshold"] is None and neg["precision_at_k"] == 0.0
    assert pos["average_precision"] == 1.0 and pos["roc_auc"] is None
    assert got["worst_district"]["roc_auc"]["district"] == "a"  # the only district where AUC exists
    json.dumps(got, allow_nan=False)

    no_positives = compute_split_metrics(y_true=np.zeros(5), scores=np.arange(5.0), groups=None, k=2)
    assert no_positives["average_precision"] is None and no_positives["ci"]["average_precision"] is None
    assert no_positives["worst_district"]["average_precision"] is None
    json.dumps(no_positives, allow_nan=False)


def test_ci_contains_point_estimate_and_narrows_with_more_data():
    widths = []
    for n in (600, 6000):
        y, s, groups = _data(11, n, decimals=3)
        got = compute_split_metrics(y_true=y, scores=s, groups=groups, k=n // 10, n_bootstrap=400, seed=5)
        for name in ("average_precision", "roc_auc"):
            lo, hi = got["ci"][name]
            assert lo <= got[name] <= hi, name
        widths.append(got["ci"]["average_precision"][1] - got["ci"]["average_precision"][0])
        assert got["bootstrap"]["resamples"] == 400 and got["bootstrap"]["undefined"]["average_precision"] == 0
    assert widths[1] < widths[0] / 2  # ~1/sqrt(10)


def test_bootstrap_is_reproducible_for_a_seed():
    y, s, groups = _data(12, 800)
    first = compute_split_metrics(y_true=y, scores=s, groups=groups, k=50, n_bootstrap=200, seed=3)
    again = compute_split_metrics(y_true=y, scores=s, groups=groups, k=50, n_bootstrap=200, seed=3)
    other = compute_split_metrics(y_true=y, scores=s, groups=groups, k=50, n_bootstrap=200, seed=4)
    assert first["ci"] == again["ci"]
    assert first["ci"] != other["ci"]


def test_bootstrap_matches_plain_row_resampling_in_distribution():
    """Our resamples against the textbook loop: draw n rows with replacement, score them again
    (with the point metrics, equal to sklearn's as tested above; sklearn itself is too slow here)."""
    y, s, _ = _data(13, 300, decimals=2)
    order = np.argsort(-s, kind="stable")
    cells = rank_cells(y_sorted=y[order], scores_sorted=s[order])
    ap, auc = bootstrap_ap_auc(cells, n_bootstrap=2000, seed=1)
    rng = np.random.default_rng(2)
    plain = []
    for _ in range(2000):
        rows = rng.integers(0, len(y), size=len(y))
        rows = rows[np.argsort(-s[rows], kind="stable")]
        plain.append(point_ap_auc(rank_cells(y_sorted=y[rows], scores_sorted=s[rows])))
    plain_ap, plain_auc = np.array(plain, dtype=float).T
    for ours, theirs in ((ap, plain_ap), (auc, plain_auc)):
        assert ours.mean() == pytest.approx(theirs.mean(), abs=0.005)
        assert ours.std() == pytest.approx(theirs.std(), rel=0.08)
        assert np.percentile(ours, [2.5, 97.5]) == pytest.approx(np.percentile(theirs, [2.5, 97.5]), abs=0.015)


@pytest.mark.parametrize("scale", [None, 0.0, 1.0])
def test_cell_sampler_draws_the_multinomial(scale):
    """Any Poisson scale gives Multinomial(n, sizes/n): 1.0 exercises the ball-removal path, 0.0
    drops every ball one by one."""
    sizes = np.array([1] * 60 + [4] * 40 + [0, 250, 9, 3])
    n = int(sizes.sum())
    sampler = CellSampler(sizes, scale=scale)
    counts = sampler.sample(np.random.default_rng(0), 20000)
    assert (counts.sum(axis=1) == n).all() and (counts >= 0).all() and (counts[:, 100] == 0).all()
    p = sizes / n
    assert np.abs(counts.mean(axis=0) - n * p).max() < 0.4
    variance = n * p * (1 - p)
    assert np.allclose(counts.var(axis=0), variance, rtol=0.06, atol=0.02)
    covariance = np.cov(counts[:, 101], counts[:, 102])[0, 1]
    assert covariance == pytest.approx(-n * p[101] * p[102], rel=0.15)
    # a unit cell's count is Binomial(n, 1/n)
    observed = np.bincount(counts[:, 0].astype(int), minlength=4)[:4] / len(counts)
    from math import comb

    expected = [comb(n, j) * (1 / n) ** j * (1 - 1 / n) ** (n - j) for j in range(4)]
    assert np.allclose(observed, expected, atol=0.012)


def _reference_poisson_cdf(lam: float) -> np.ndarray:
    """The textbook recurrence, one mean at a time."""
    pmf = math.exp(-lam)
    cdf = [pmf]
    j = 0
    while cdf[-1] < 1.0 and not (j > lam and pmf < 1e-18):
        j += 1
        pmf *= lam / j
        cdf.append(cdf[-1] + pmf)
    return np.asarray(cdf)


def test_poisson_cdfs_equal_the_recurrence():
    lams = [0.0, 0.3, 0.99, 7.5, 40.0, 64.0]
    table = poisson_cdfs(np.array(lams))
    for row, lam in zip(table, lams):
        want = _reference_poisson_cdf(lam)
        np.testing.assert_array_equal(row[: want.shape[0]], want)
        assert np.isinf(row[want.shape[0] :]).all() and row.shape[0] > want.shape[0]


def test_poisson_tables_equal_searchsorted():
    lams = [0.0, 0.3, 0.99, 7.5, 40.0, 64.0]
    tables = PoissonTables(lams)
    rng = np.random.default_rng(0)
    cdfs = [_reference_poisson_cdf(lam) for lam in lams]
    # random uniforms, plus the hard cases: every CDF step itself, just below it, and the bin edges
    edges = np.arange(PoissonTables.GUIDE_BINS) / PoissonTables.GUIDE_BINS
    special = np.concatenate([*cdfs, *(np.nextafter(cdf, 0) for cdf in cdfs), edges, np.nextafter(edges[1:], 0)])
    special = special[special < 1.0]
    for u_column in (rng.random(400), special):
        u = np.tile(u_column, (len(lams), 1)).T  # every u against every mean
        which = np.arange(len(lams))
        want = np.stack([np.searchsorted(cdfs[t], u[:, t], side="right") for t in which], 1)
        np.testing.assert_array_equal(tables.invert(u.copy(), which), want)


def test_poisson_tables_draw_the_poisson_law():
    lams = [0.985, 3.0, 50.0]
    draws = PoissonTables(lams).draw(np.random.default_rng(5), np.array([0, 1, 2]), 200_000)
    from scipy.stats import poisson

    for column, lam in enumerate(lams):
        observed = np.bincount(draws[:, column], minlength=200)[:200] / draws.shape[0]
        assert np.abs(observed - poisson.pmf(np.arange(200), lam)).max() < 0.004
        assert draws[:, column].mean() == pytest.approx(lam, rel=0.01)


def test_compute_metrics_splits_and_scales_k():
    y, s, groups = _data(14, 1000)
    public = np.random.default_rng(0).random(1000) < 0.3
    got = compute_metrics(y_true=y, scores=s, groups=groups, is_public=public, k=100, n_bootstrap=100, seed=9)
    assert got["primary"] == "average_precision" and got["k"] == 100 and got["n"] == 1000
    assert got["public"]["k"] == round(100 * public.sum() / 1000)
    assert got["private"]["k"] == round(100 * (~public).sum() / 1000)
    assert got["public_score"] == got["public"]["average_precision"]
    assert got["private_score"] == got["private"]["average_precision"]
    alone = compute_split_metrics(
        y_true=y[~public], scores=s[~public], groups=groups[~public], k=got["private"]["k"], n_bootstrap=100, seed=10
    )
    assert alone == got["private"]
    json.dumps(got, allow_nan=False)
    only_private = np.where(public, groups, "新区")  # a district with no public rows
    split = compute_metrics(y_true=y, scores=s, groups=only_private, is_public=public, k=100, n_bootstrap=0)
    assert "新区" not in split["public"]["per_district"] and "新区" in split["private"]["per_district"]
    by_auc = compute_metrics(y_true=y, scores=s, groups=groups, is_public=public, k=100, primary="roc_auc", n_bootstrap=0)
    assert by_auc["private_score"] == pytest.approx(roc_auc_score(y[~public], s[~public]), abs=TOL)


def test_scale_k():
    assert scale_k(100, part=300, whole=1000) == 30
    assert scale_k(3, part=1, whole=1000) == 1
    assert scale_k(10, part=25, whole=100) == 2  # 2.5 rounds half to even
    assert scale_k(10, part=0, whole=100) == 0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="0/1"):
        compute_split_metrics(y_true=np.array([0, 2]), scores=np.array([0.1, 0.2]), groups=None, k=1)
    with pytest.raises(ValueError, match="finite"):
        compute_split_metrics(y_true=np.array([0, 1]), scores=np.array([0.1, np.nan]), groups=None, k=1)
    with pytest.raises(ValueError, match="equal length"):
        compute_split_metrics(y_true=np.array([0, 1]), scores=np.array([0.1]), groups=None, k=1)
    with pytest.raises(ValueError, match="primary"):
        compute_metrics(y_true=[0, 1], scores=[0.1, 0.2], groups=None, is_public=[True, False], k=1, primary="accuracy")


def test_no_sklearn_warnings_leak_from_our_code():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compute_split_metrics(y_true=np.zeros(4), scores=np.arange(4.0), groups=np.array(list("aabb")), k=2, n_bootstrap=20)


def test_the_bootstrap_gives_the_same_resamples_on_any_number_of_threads():
    # Each chunk of resamples has its own seed, so running chunks on threads changes nothing but the wall clock.
    y, s, _ = _data(17, 20_000, decimals=4)
    order = np.argsort(-s, kind="stable")
    cells = rank_cells(y_sorted=y[order], scores_sorted=s[order])
    one = bootstrap_ap_auc(cells, n_bootstrap=1000, seed=3, threads=1)
    many = bootstrap_ap_auc(cells, n_bootstrap=1000, seed=3, threads=3)
    assert CellSampler(cells.sizes).resamples_per_chunk < 1000  # several chunks, so the threads really split it
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])
    assert np.isfinite(one[0]).all()


def test_the_bootstrap_pool_works_in_a_forked_worker():
    """Worker processes may be forked from a process that already used the kept thread pool;
    the child has none of those threads and must start its own rather than wait forever."""
    import os

    y, s, _ = _data(18, 20_000, decimals=4)
    order = np.argsort(-s, kind="stable")
    cells = rank_cells(y_sorted=y[order], scores_sorted=s[order])
    parent = bootstrap_ap_auc(cells, n_bootstrap=300, seed=4, threads=2)[0]
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            child = bootstrap_ap_auc(cells, n_bootstrap=300, seed=4, threads=2)[0]
            os._exit(0 if np.array_equal(parent, child, equal_nan=True) else 3)
        finally:
            os._exit(4)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's bootstrap hung")
