"""Bootstrap CIs of the cut-off metrics, for a challenge whose primary metric is one of them.

AP and ROC AUC have their own fast pass (bootstrap.py).  The other ranking metrics depend on where a
cut falls: the k-th lead (precision, recall and hits at k), the 0.5 threshold (F1 at 0.5), or the best
threshold (best F1).  They are resampled the same way, from multinomial counts of a few cells, with
resampled rows read as weights on the original rows in their scoring order (ties in row order, as the
point metrics break them).

- Cut at k or at 0.5: the cells are *label runs*, the maximal runs of rows of one label in that order,
  also cut where the 0.5 threshold falls.  Duplicates of a row sit together in that order, so the k-th
  resampled row lies in a run whose label is known, and the positives before it are the running count.
- Best F1: the best threshold is always the end of a score group holding a positive, so the cells of
  bootstrap.py (`RankedCells`) give every candidate's true and flagged counts.

Each value equals the point metric of metrics.py computed on the rows repeated by their weights (tests).
"""

from __future__ import annotations

import numpy as np

from dabiwu.scoring.bootstrap import CellSampler, RankedCells, thread_scratch

AT_K_METRICS = ("precision_at_k", "recall_at_k", "hits_at_k")
THRESHOLD_METRICS = (*AT_K_METRICS, "f1_at_0_5", "f1_best")


def label_runs(y_sorted: np.ndarray, *, cut_at: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sizes, is_positive, run of each row) of the label runs of rows in scoring order, with a run
    boundary before row `cut_at` (the first row under the 0.5 threshold)."""
    y = np.asarray(y_sorted).astype(bool, copy=False)
    n = y.shape[0]
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
        np.not_equal(y[1:], y[:-1], out=starts[1:])
        if 0 < cut_at < n:
            starts[cut_at] = True
    run_of_row = np.cumsum(starts) - 1
    first_rows = np.flatnonzero(starts)
    sizes = np.diff(np.append(first_rows, n)).astype(np.int64)
    return sizes, y[first_rows], run_of_row


def cut_metrics_from_counts(counts: np.ndarray, *, is_positive: np.ndarray, k: int, runs_above_05: int,
                            metric: str) -> np.ndarray:
    """One cut-off metric for each row of (B, runs) run weights; NaN where undefined."""
    c = np.atleast_2d(counts)
    positive_counts = np.where(is_positive, c, 0)
    flagged = np.cumsum(c, axis=1)
    true = np.cumsum(positive_counts, axis=1)
    positives = true[:, -1].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "f1_at_0_5":
            if runs_above_05 == 0:
                tp05 = flagged05 = np.zeros(c.shape[0])
            else:
                tp05, flagged05 = true[:, runs_above_05 - 1], flagged[:, runs_above_05 - 1]
            value = 2.0 * tp05 / (flagged05 + positives)
            value[positives <= 0] = np.nan
            return value
        rows = flagged[:, -1]
        k_used = np.minimum(k, rows)
        # the run holding the k-th row: the first whose running total reaches k
        at = np.argmax(flagged >= k_used[:, None], axis=1)
        index = np.arange(c.shape[0])
        before_true = np.where(at > 0, true[index, np.maximum(at - 1, 0)], 0)
        before_all = np.where(at > 0, flagged[index, np.maximum(at - 1, 0)], 0)
        hits = before_true + np.where(is_positive[at], k_used - before_all, 0)
        hits = np.where(k_used > 0, hits, 0).astype(np.float64)
        if metric == "hits_at_k":
            return hits
        if metric == "precision_at_k":
            value = hits / k_used
            value[k_used <= 0] = np.nan
            return value
        value = hits / positives  # recall_at_k
        value[positives <= 0] = np.nan
        return value


def best_f1_from_counts(cells: RankedCells, counts: np.ndarray) -> np.ndarray:
    """The best F1 over all thresholds for each row of (B, cells) group-cell weights (bootstrap.py)."""
    c = np.atleast_2d(counts)
    g = cells.n_groups
    if g == 0:
        return np.full(c.shape[0], np.nan)
    pos, gap = c[:, :g], c[:, g : 2 * g]
    negatives = gap + c[:, 2 * g : 3 * g] if cells.has_ties else gap
    true = np.cumsum(pos, axis=1)
    flagged = true + np.cumsum(negatives, axis=1)
    positives = true[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        best = (2.0 * true / (flagged + positives[:, None])).max(axis=1)
    best[positives <= 0] = np.nan
    return best


def bootstrap_threshold_metric(*, metric: str, y_sorted: np.ndarray, s_sorted: np.ndarray, cells: RankedCells,
                               k: int, n_bootstrap: int, seed: int) -> np.ndarray:
    """`metric` on `n_bootstrap` multinomial row resamples (NaN where a resample leaves it undefined)."""
    if metric not in THRESHOLD_METRICS:
        raise ValueError(f"No threshold bootstrap for {metric!r}.")
    values = np.full(n_bootstrap, np.nan)
    if y_sorted.shape[0] == 0 or n_bootstrap == 0:
        return values
    if metric == "f1_best":
        sizes = cells.sizes

        def statistic(counts: np.ndarray) -> np.ndarray:
            return best_f1_from_counts(cells, counts)
    else:
        cut_at = int(np.count_nonzero(s_sorted >= 0.5))  # a prefix of the sorted rows
        sizes, is_positive, run_of_row = label_runs(y_sorted, cut_at=cut_at)
        runs_above_05 = int(run_of_row[cut_at - 1]) + 1 if cut_at else 0

        def statistic(counts: np.ndarray) -> np.ndarray:
            return cut_metrics_from_counts(counts, is_positive=is_positive, k=k, runs_above_05=runs_above_05,
                                           metric=metric)
    sampler = CellSampler(sizes)
    per_chunk = sampler.resamples_per_chunk
    n_chunks = -(-n_bootstrap // per_chunk)
    # a seed stream of its own: the AP/AUC resamples of the same seed stay as they are
    seeds = np.random.SeedSequence([seed, 1]).spawn(n_chunks)
    scratch = thread_scratch()
    for i in range(n_chunks):
        lo, hi = i * per_chunk, min(n_bootstrap, (i + 1) * per_chunk)
        counts = sampler.sample(np.random.Generator(np.random.PCG64(seeds[i])), hi - lo, scratch)
        values[lo:hi] = statistic(counts)
    return values
