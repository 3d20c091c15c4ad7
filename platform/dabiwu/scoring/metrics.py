"""Leaderboard metrics of one set of lead scores: per split, per district, with bootstrap CIs.

Trusted code: it sees the labels, so it takes plain arrays and returns a JSON-ready dict.
Definitions (every metric is "higher is better"):

- `average_precision`, `roc_auc`: scikit-learn's `average_precision_score` and `roc_auc_score`
  (tied scores form one threshold), equal to them within 1e-9.
- `precision_at_k`, `recall_at_k`, `hits_at_k`: the k highest scores are the leads a procuratorate
  can review.  Ties at the boundary go to the earlier row (a stable sort on -score), so the same
  predictions always give the same top k.  k larger than the set means the whole set.
- `f1_at_0_5`: F1 of flagging every row with score >= 0.5.
- `f1_best`: the best F1 over all distinct thresholds (`precision_recall_curve`); `best_threshold`
  is the score that achieves it (the highest one if several do): flag rows with score >= it.

A metric that a set cannot define is None, never NaN (JSON has no NaN): without positives, AP,
recall@k and the F1s; without positives or without negatives, ROC AUC.  scikit-learn returns 0.0
with a warning for AP without positives; "no answer" is the honest value for a district that had
no leads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dabiwu.scoring.bootstrap import bootstrap_ap_auc, percentile_interval, rank_cells
from dabiwu.scoring.threshold_bootstrap import bootstrap_threshold_metric

RANKING_METRICS = (
    "average_precision",
    "roc_auc",
    "precision_at_k",
    "recall_at_k",
    "hits_at_k",
    "f1_at_0_5",
    "f1_best",
)
# Rates only: hits@k grows with a district's size, so its minimum says nothing about quality.
WORST_DISTRICT_METRICS = ("average_precision", "roc_auc", "precision_at_k", "recall_at_k", "f1_at_0_5", "f1_best")
CI_METRICS = ("average_precision", "roc_auc")
CI_LEVEL = 0.95

# District code of each row, and the district names the codes index (sorted).
Districts = tuple[np.ndarray, list[str]]


def scale_k(k: int, *, part: int, whole: int) -> int:
    """The review capacity k of `whole` rows, scaled to `part` of them: round(k * part / whole),
    at least 1 (0 for an empty part).  Python's round: exact halves go to the even number."""
    if part <= 0 or whole <= 0:
        return 0
    return max(1, round(k * part / whole))


def compute_metrics(
    *,
    y_true: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray | None,
    is_public: np.ndarray,
    k: int,
    primary: str = "average_precision",
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Metrics of the public and the private split.  `k` is the review capacity of the whole test
    set; each split gets its share of it (scale_k).  The splits draw their bootstrap resamples from
    the seeds `seed` and `seed + 1`, so they are independent of each other."""
    if primary not in RANKING_METRICS:
        raise ValueError(f"Unknown primary metric {primary!r}; choose one of {', '.join(RANKING_METRICS)}.")
    y, s, districts = _validated(y_true=y_true, scores=scores, groups=groups)
    public = np.asarray(is_public)
    if public.shape != y.shape:
        raise ValueError(f"is_public has {public.shape[0] if public.ndim else 0} values for {y.shape[0]} rows.")
    public = public.astype(bool)
    n = y.shape[0]
    splits = {}
    for index, (name, mask) in enumerate((("public", public), ("private", ~public))):
        splits[name] = _split_metrics(
            y=y[mask],
            s=s[mask],
            districts=None if districts is None else (districts[0][mask], districts[1]),
            k=scale_k(k, part=int(mask.sum()), whole=n),
            n_bootstrap=n_bootstrap,
            seed=seed + index,
            primary=primary,
        )
    return {
        "primary": primary,
        "public_score": splits["public"][primary],
        "private_score": splits["private"][primary],
        "k": int(k),
        "n": int(n),
        **splits,
    }


def compute_split_metrics(
    *,
    y_true: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray | None,
    k: int,
    n_bootstrap: int = 1000,
    seed: int = 0,
    primary: str = "average_precision",
) -> dict[str, Any]:
    """Metrics of one evaluation set, its districts (`groups`; None skips them), the worst district
    for each rate metric, and 95% percentile bootstrap CIs of AP, ROC AUC and the primary metric."""
    y, s, districts = _validated(y_true=y_true, scores=scores, groups=groups)
    return _split_metrics(y=y, s=s, districts=districts, k=int(k), n_bootstrap=n_bootstrap, seed=seed,
                          primary=primary)


def _split_metrics(
    *, y: np.ndarray, s: np.ndarray, districts: Districts | None, k: int, n_bootstrap: int, seed: int,
    primary: str = "average_precision",
) -> dict[str, Any]:
    if k < 0 or n_bootstrap < 0:
        raise ValueError("k and n_bootstrap must not be negative.")
    if primary not in RANKING_METRICS:
        raise ValueError(f"Unknown primary metric {primary!r}; choose one of {', '.join(RANKING_METRICS)}.")
    n = y.shape[0]
    order = np.argsort(-s, kind="stable")  # descending; ties keep row order (see module doc)
    y_sorted, s_sorted = y[order], s[order]
    result = _ranked_metrics(y_sorted=y_sorted, s_sorted=s_sorted, k=k)
    resampled: dict[str, np.ndarray] = {name: np.zeros(0) for name in CI_METRICS}
    if n_bootstrap:
        cells = rank_cells(y_sorted=y_sorted, scores_sorted=s_sorted)
        resampled.update(zip(CI_METRICS, bootstrap_ap_auc(cells, n_bootstrap=n_bootstrap, seed=seed)))
        if primary not in CI_METRICS:  # the board's CI is the primary metric's, whichever it is
            resampled[primary] = bootstrap_threshold_metric(metric=primary, y_sorted=y_sorted, s_sorted=s_sorted,
                                                            cells=cells, k=k, n_bootstrap=n_bootstrap, seed=seed)
    elif primary not in CI_METRICS:
        resampled[primary] = np.zeros(0)
    result["ci"] = {
        name: percentile_interval(values, level=CI_LEVEL) if result[name] is not None else None
        for name, values in resampled.items()
    }
    result["bootstrap"] = {
        "resamples": int(n_bootstrap),
        "seed": int(seed),
        "level": CI_LEVEL,
        "method": "percentile interval over multinomial row resamples",
        # resamples in which the metric is undefined (e.g. no positive drawn) are left out
        "undefined": {name: int(np.count_nonzero(~np.isfinite(values))) for name, values in resampled.items()},
    }
    per_district = {} if districts is None else _per_district(y=y, s=s, districts=districts, order=order, k=k, n=n)
    result["per_district"] = per_district
    result["worst_district"] = _worst(per_district)
    return result


def _ranked_metrics(*, y_sorted: np.ndarray, s_sorted: np.ndarray, k: int) -> dict[str, Any]:
    """Point metrics of rows sorted by descending score (ties in row order)."""
    n = y_sorted.shape[0]
    # one threshold per distinct score: its last row, and the positives at or above it
    ends = np.append(np.flatnonzero(np.diff(s_sorted)), n - 1) if n else np.zeros(0, dtype=np.int64)
    tp = np.cumsum(y_sorted, dtype=np.int64)[ends]
    positives = int(tp[-1]) if n else 0
    negatives = n - positives
    k_used = min(k, n)
    hits = int(np.count_nonzero(y_sorted[:k_used]))
    out: dict[str, Any] = {
        "n": int(n),
        "positives": positives,
        "k": int(k_used),
        "average_precision": None,
        "roc_auc": None,
        "precision_at_k": hits / k_used if k_used else None,
        "recall_at_k": hits / positives if positives else None,
        "hits_at_k": hits,
        "f1_at_0_5": None,
        "f1_best": None,
        "best_threshold": None,
    }
    if positives:
        # (einsum, not np.dot: a BLAS call wakes OpenBLAS's threads, which then spin on the other core)
        flagged = ends + 1
        fp = flagged - tp
        new_tp = _steps(tp)
        # scikit-learn's step integral: each threshold's new positives times its precision
        out["average_precision"] = float(np.einsum("i,i->", new_tp, tp / flagged) / positives)
        if negatives:
            # the trapezoid under the ROC; a threshold's tied rows form one segment
            out["roc_auc"] = float(np.einsum("i,i->", _steps(fp), tp + tp - new_tp) / (2.0 * positives * negatives))
        # F1 = 2 tp / (flagged + positives); from integers, so equal F1s are equal floats.
        flagged_05 = int(np.count_nonzero(s_sorted >= 0.5))  # a prefix of the sorted rows
        out["f1_at_0_5"] = 2.0 * int(np.count_nonzero(y_sorted[:flagged_05])) / (flagged_05 + positives)
        f1 = 2.0 * tp / (flagged + positives)
        best = int(np.argmax(f1))  # first maximum = highest threshold
        out["f1_best"] = float(f1[best])
        out["best_threshold"] = float(s_sorted[ends[best]])
    return out


def _steps(running: np.ndarray) -> np.ndarray:
    """Increments of a running count that starts from 0 (np.diff with prepend=0, without its
    broadcasting and concatenation: this runs once per district and split)."""
    steps = np.empty_like(running)
    if running.shape[0]:
        steps[0] = running[0]
        np.subtract(running[1:], running[:-1], out=steps[1:])
    return steps


def _per_district(
    *, y: np.ndarray, s: np.ndarray, districts: Districts, order: np.ndarray, k: int, n: int
) -> dict[str, dict]:
    codes, names = districts
    sorted_codes = codes[order]
    # one stable sort by district keeps each district's rows in the global score order
    # (16-bit codes get numpy's radix sort: linear time)
    by_district = np.argsort(sorted_codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(sorted_codes, minlength=len(names)))])
    result = {}
    for index, name in enumerate(names):
        if bounds[index] == bounds[index + 1]:
            continue  # no rows of this district in this split
        rows = order[by_district[bounds[index] : bounds[index + 1]]]
        result[name] = _ranked_metrics(y_sorted=y[rows], s_sorted=s[rows], k=scale_k(k, part=rows.shape[0], whole=n))
    return result


def _district_codes(g: np.ndarray) -> Districts:
    """Integer codes and sorted names of the districts; a name is the value as a string."""
    codes, uniques = pd.factorize(g, use_na_sentinel=False)
    names = np.asarray([str(value) for value in uniques], dtype=object)
    sorted_names, remap = np.unique(names, return_inverse=True)  # merges e.g. 7 and "7"
    dtype = np.int16 if len(sorted_names) < 2**15 else np.int64
    return remap.reshape(-1).astype(dtype)[codes], [str(name) for name in sorted_names]


def _worst(districts: dict[str, dict]) -> dict[str, dict | None]:
    worst: dict[str, dict | None] = {}
    for metric in WORST_DISTRICT_METRICS:
        defined = [(values[metric], name) for name, values in districts.items() if values[metric] is not None]
        if not defined:
            worst[metric] = None
            continue
        value, name = min(defined, key=lambda pair: pair[0])  # first in name order on a tie
        worst[metric] = {"district": name, "value": value}
    return worst


def _validated(
    *, y_true: np.ndarray, scores: np.ndarray, groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, Districts | None]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"y_true and scores must be 1-D and of equal length (got {y.shape} and {s.shape}).")
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise ValueError("y_true must hold only 0/1 (or True/False) labels.")
        y = y.astype(bool)
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite numbers; pass predictions through normalise_predictions first.")
    if groups is None:
        return y, s, None
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise ValueError(f"groups has shape {g.shape}, expected {y.shape}.")
    return y, s, _district_codes(g)
