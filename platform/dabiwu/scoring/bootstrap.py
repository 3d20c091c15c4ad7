"""Average precision and ROC AUC for many row weightings at once, and the multinomial bootstrap.

Two ideas keep a 1,000-resample bootstrap of a million rows to seconds without changing its answer:

1. Cells.  Sort the rows once by descending score and group tied scores (scikit-learn's
   "distinct thresholds").  AP and AUC then depend on a weighting of the rows only through the total
   weight of a few *cells*: for each score group that holds a positive, its positives (`pos`), the
   negatives tied with them (`tie`) and the negatives ranked between it and the previous such group
   (`gap`); plus the negatives below the last one (`tail`).  With 5% positives there are about ten
   times fewer cells than rows, and every pass over the data is a pass over cells.

2. Sampling cell counts directly.  Resampling n rows with replacement gives row counts
   ~ Multinomial(n, 1/n); summed over cells they are ~ Multinomial(n, size/n).  Drawing them cell by
   cell with numpy's binomial chain cost ~115 ns a cell here, and drawing n row indices ~12 ns a
   row: too slow at 10^9 draws.  We draw independent Poisson(c * size) counts instead (inversion
   through guide tables fed with 12 random bits a draw: ~5 ns a cell), with c = 1 - 2/sqrt(n) so
   that their total S mostly falls short of n, then drop the n - S missing balls one by one into
   cells with probability size/n.  Given S = s the Poisson counts are Multinomial(s, size/n), and
   adding n - s independent balls of the same law makes them Multinomial(n, size/n) exactly; in the
   case s > n (~2% of the resamples), removing s - n of the balls chosen uniformly without
   replacement does the same.  So the resamples are the ordinary row bootstrap, not an
   approximation of it (the draws are exact to double precision, as numpy's own samplers are).

Cost is therefore proportional to positives x resamples, not rows x resamples.
Everything here is vectorised over a chunk of resamples (a 2-D array, resamples x cells); chunks bound
the memory and each has its own seed spawned from the caller's, so a seed always gives the same CIs.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

# 4 MB per (resamples x cells) array: the AP/AUC pass holds a handful, and this size measured
# fastest here (2^18..2^20 within 20%; larger chunks fall out of cache).
CHUNK_ELEMENTS = 1 << 19
# Chunks of resamples are independent (each has its own seed), so they run on this many threads: numpy
# releases the GIL in the bulk work (drawing, indexing, cumsum, einsum). The same seed gives the same CIs
# whatever the thread count.
BOOTSTRAP_THREADS = max(1, min(4, os.cpu_count() or 1))
# Poisson counts with a mean up to this are drawn by CDF-table inversion (one table per cell
# size, so at most ~65 tables, and every table entry fits in an int8); a larger cell is drawn as the
# sum of pieces of about this mean.
INVERSION_MAX_LAMBDA = 64.0


class Scratch:
    """Arrays that one thread reuses from chunk to chunk.  A fresh multi-megabyte numpy array is
    mapped from the kernel and each of its pages faulted in when first written; per chunk that cost
    as much system time as the arithmetic itself (measured: ~25k page faults per 1,000 resamples
    on two threads).  Not thread-safe: one per thread."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A C-contiguous array of that shape and type, contents undefined; it stays valid until
        the next call with the same name."""
        size, dtype = math.prod(shape), np.dtype(dtype)
        held = self._arrays.get(name)
        if held is None or held.dtype != dtype or held.shape[0] < size:
            held = self._arrays[name] = np.empty(size, dtype=dtype)
        return held[:size].reshape(shape)


@dataclass(frozen=True)
class RankedCells:
    """The rows of one evaluation set, reduced to what AP and AUC depend on (see module doc).

    Weights and counts use the flat layout `[pos (G) | gap (G) | tie (G, only if any) | tail (1)]`;
    without tied negatives (continuous scores) the tie block is left out, a third fewer columns.
    """

    pos: np.ndarray  # (G,) rows in each positive-holding score group that are positive
    gap: np.ndarray  # (G,) negatives ranked strictly between the previous such group and this one
    tie: np.ndarray  # (G,) negatives with exactly this group's score
    tail: int  # negatives ranked below the last positive-holding group
    row_cell: np.ndarray  # (n,) flat cell index of each row, in the sorted order given to rank_cells

    @property
    def n_groups(self) -> int:
        return int(self.pos.shape[0])

    @property
    def has_ties(self) -> bool:
        return bool(self.tie.any())

    @property
    def n_cells(self) -> int:
        return (3 if self.has_ties else 2) * self.n_groups + 1

    @property
    def sizes(self) -> np.ndarray:
        blocks = [self.pos, self.gap, self.tie] if self.has_ties else [self.pos, self.gap]
        return np.concatenate([*blocks, [self.tail]]).astype(np.int64)

    @property
    def n(self) -> int:
        return int(self.row_cell.shape[0])


def rank_cells(*, y_sorted: np.ndarray, scores_sorted: np.ndarray) -> RankedCells:
    """Build the cells of rows already sorted by descending score (any order within ties)."""
    y = np.asarray(y_sorted).astype(bool, copy=False)
    s = np.asarray(scores_sorted)
    n = y.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return RankedCells(pos=empty, gap=empty, tie=empty, tail=0, row_cell=empty)
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(s[1:], s[:-1], out=starts[1:])
    group = np.cumsum(starts) - 1
    n_score_groups = int(group[-1]) + 1
    positives = np.bincount(group[y], minlength=n_score_groups)
    negatives = np.bincount(group, minlength=n_score_groups) - positives
    holds = np.flatnonzero(positives)  # score groups holding a positive, descending score
    g = holds.shape[0]
    neg_through = np.cumsum(negatives)  # negatives ranked at or above each score group
    tie = negatives[holds]
    before = neg_through[holds] - tie
    gap = before - np.concatenate([[0], neg_through[holds[:-1]]]) if g else before
    tail = int(neg_through[-1] - (neg_through[holds[-1]] if g else 0))

    # Cell of each row: its own group's pos/tie cell, else the gap before the next positive group.
    j = np.searchsorted(holds, group)
    own = (j < g) & (holds[np.minimum(j, max(g - 1, 0))] == group) if g else np.zeros(n, dtype=bool)
    tail_cell = (3 if tie.any() else 2) * g
    row_cell = np.where(y, j, np.where(own, 2 * g + j, np.where(j < g, g + j, tail_cell)))
    return RankedCells(pos=positives[holds], gap=gap, tie=tie, tail=tail, row_cell=row_cell.astype(np.int64))


def aggregate_row_weights(cells: RankedCells, weights_sorted: np.ndarray) -> np.ndarray:
    """(B, n) row weights in the sorted order -> (B, cells) totals, for arbitrary sample weights."""
    w = np.atleast_2d(np.asarray(weights_sorted, dtype=np.float64))
    width = cells.n_cells
    offsets = (np.arange(w.shape[0]) * width)[:, None]
    flat = np.bincount((cells.row_cell[None, :] + offsets).ravel(), weights=w.ravel(), minlength=w.shape[0] * width)
    return flat.reshape(w.shape[0], width)


def ap_auc_from_counts(cells: RankedCells, counts: np.ndarray, scratch: Scratch | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted average precision and ROC AUC for each row of (B, cells) cell weights.

    Same definitions as scikit-learn with `sample_weight`: AP is the step integral over distinct
    thresholds, AUC the trapezoid under the ROC (ties count one half).  NaN where undefined: no
    positive weight (AP, AUC) or no negative weight (AUC).
    """
    c = np.atleast_2d(np.asarray(counts))
    g = cells.n_groups
    b = c.shape[0]
    if g == 0:
        return np.full(b, np.nan), np.full(b, np.nan)
    pos, gap, tail = c[:, :g], c[:, g : 2 * g], c[:, -1].astype(np.float64)
    tie = c[:, 2 * g : 3 * g] if cells.has_ties else None
    # Running sums in the counts' own type (integer counts stay exact, and numpy's cumsum is
    # several times slower when it has to convert as it goes); floats only for the ratios.
    scratch = scratch or Scratch()
    shape = (b, g)
    tp = np.cumsum(pos, axis=1, out=scratch.array("tp", shape, c.dtype))
    negatives = gap if tie is None else np.add(gap, tie, out=scratch.array("negatives", shape, c.dtype))
    fp = np.cumsum(negatives, axis=1, out=scratch.array("fp", shape, c.dtype))  # negatives at or above
    total_pos = tp[:, -1].astype(np.float64)
    total_neg = fp[:, -1] + tail
    # precision at each threshold
    flagged = np.add(tp, fp, out=scratch.array("flagged", shape, c.dtype))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.divide(tp, flagged, out=scratch.array("precision", shape, np.float64))
        ap = np.einsum("ij,ij->i", pos, precision) / total_pos
        # Where nothing is flagged yet (a run of empty cells at the top), tp is 0 too and 0/0 made a NaN.  That
        # takes a resample whose first cells all drew 0, rare enough to redo those rows than to guard every cell.
        redo = np.flatnonzero(np.isnan(ap) & (total_pos > 0))
        if redo.shape[0]:
            floor = 1 if np.issubdtype(flagged.dtype, np.integer) else np.finfo(np.float64).tiny
            safe = np.divide(tp[redo], np.maximum(flagged[redo], floor))
            ap[redo] = np.einsum("ij,ij->i", pos[redo], safe) / total_pos[redo]
        # Mann-Whitney: each positive scores the negatives ranked below it, and half the tied ones
        pairs = total_pos * total_neg - np.einsum("ij,ij->i", pos, fp)
        if tie is not None:
            pairs += 0.5 * np.einsum("ij,ij->i", pos, tie)
        auc = pairs / (total_pos * total_neg)
    ap[total_pos <= 0] = np.nan
    auc[(total_pos <= 0) | (total_neg <= 0)] = np.nan
    return ap, auc


def point_ap_auc(cells: RankedCells) -> tuple[float | None, float | None]:
    """Unweighted AP and ROC AUC (None where undefined)."""
    ap, auc = ap_auc_from_counts(cells, cells.sizes[None, :])
    return _none_if_nan(ap[0]), _none_if_nan(auc[0])


def bootstrap_ap_auc(cells: RankedCells, *, n_bootstrap: int, seed: int,
                     threads: int = BOOTSTRAP_THREADS) -> tuple[np.ndarray, np.ndarray]:
    """AP and AUC on `n_bootstrap` multinomial row resamples (NaN where a resample is undefined)."""
    ap = np.full(n_bootstrap, np.nan)
    auc = np.full(n_bootstrap, np.nan)
    if cells.n_groups == 0:  # no positives: undefined in every resample
        return ap, auc
    sampler = CellSampler(cells.sizes)
    per_chunk = sampler.resamples_per_chunk
    n_chunks = -(-n_bootstrap // per_chunk) if n_bootstrap else 0
    seeds = np.random.SeedSequence(seed).spawn(n_chunks)

    def run_chunk(i: int) -> None:
        lo, hi = i * per_chunk, min(n_bootstrap, (i + 1) * per_chunk)
        scratch = thread_scratch()
        counts = sampler.sample(np.random.Generator(np.random.PCG64(seeds[i])), hi - lo, scratch)
        ap[lo:hi], auc[lo:hi] = ap_auc_from_counts(cells, counts, scratch)

    threads = min(threads, n_chunks)
    if threads > 1:
        list(_pool(threads).map(run_chunk, range(n_chunks)))  # list(): re-raise a chunk's error here
    else:
        for i in range(n_chunks):
            run_chunk(i)
    return ap, auc


_per_thread = threading.local()
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _forget_pools_in_child() -> None:
    """A forked child (a worker process) has none of its parent's threads, and the lock may have
    been held by one of them: it starts afresh."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools_in_child)


def thread_scratch() -> Scratch:
    """This thread's scratch arrays, kept between calls: a worker scores one submission after
    another, and the same few arrays serve them all."""
    scratch = getattr(_per_thread, "scratch", None)
    if scratch is None:
        scratch = _per_thread.scratch = Scratch()
    return scratch


def _pool(threads: int) -> ThreadPoolExecutor:
    """A pool kept for the life of the process, so that its threads keep their scratch arrays."""
    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bootstrap")
        return pool


def percentile_interval(values: np.ndarray, *, level: float = 0.95) -> list[float] | None:
    """Percentile bootstrap interval of the defined (non-NaN) resample values; None if none are."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(finite, [tail, 100.0 - tail])
    return [float(lo), float(hi)]


class CellSampler:
    """Draws (B, K) int64 cell counts ~ Multinomial(n, sizes / n), n = sizes.sum() (module doc).

    Each column's Poisson count comes from the inversion table of its size (empty cells from a
    table that always gives 0), all in one vectorised pass.  A cell too large for a table is drawn
    as the sum of a few pieces that are not (a sum of independent Poisson counts is Poisson with
    the summed mean): cheaper than numpy's own poisson for large means, and just as exact.
    """

    def __init__(self, sizes: np.ndarray, *, scale: float | None = None):
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.n = int(self.sizes.sum())
        self.scale = _default_scale(n=self.n) if scale is None else float(scale)
        # the largest cell one table may hold; larger cells are cut into pieces of about this size
        piece = max(1, int(INVERSION_MAX_LAMBDA / self.scale)) if self.scale > 0 else max(1, int(self.sizes.max(initial=1)))
        big = np.flatnonzero(self.sizes > piece)
        parts = -(-self.sizes[big] // piece)  # pieces per big cell, near-equal sizes
        self.big_cols = big
        self.piece_starts = np.concatenate([[0], np.cumsum(parts - 1)[:-1]]).astype(np.int64)
        extra = _near_equal_pieces(self.sizes[big], parts)  # all pieces of each big cell but its first
        first = self.sizes.copy()
        first[big] -= np.add.reduceat(extra, self.piece_starts) if big.shape[0] else 0
        values, inverse = np.unique(np.concatenate([first, extra]), return_inverse=True)
        self.tables = PoissonTables([float(x) for x in self.scale * values.astype(np.float64)])
        table = inverse.reshape(-1).astype(np.int64)
        self.table_of_col, self.table_of_piece = table[: first.shape[0]], table[first.shape[0] :]
        self.cell_of_slot = np.repeat(np.arange(self.sizes.shape[0], dtype=np.int32), self.sizes)
        balls = self.n * (1.0 - self.scale) + 1.0
        width = self.sizes.shape[0] + extra.shape[0]
        self.resamples_per_chunk = max(1, int(CHUNK_ELEMENTS // max(width, balls, 1)))

    def sample(self, rng: np.random.Generator, n_resamples: int, scratch: Scratch | None = None) -> np.ndarray:
        """(n_resamples, K) counts; with `scratch`, they live in its "counts" array."""
        scratch = scratch or Scratch()
        k = self.sizes.shape[0]
        counts = self.tables.draw(rng, self.table_of_col, n_resamples, scratch, into="counts")
        if self.big_cols.shape[0]:
            pieces = self.tables.draw(rng, self.table_of_piece, n_resamples, scratch, into="pieces")
            counts[:, self.big_cols] += np.add.reduceat(pieces, self.piece_starts, axis=1)
        short = self.n - counts.sum(axis=1)
        for row in np.flatnonzero(short < 0):  # ~2% of the resamples at the default scale
            self._remove_balls(rng, counts[row], int(-short[row]))
            short[row] = 0
        total_extra = int(short.sum())
        if total_extra:
            cell = self.cell_of_slot[rng.integers(0, self.n, size=total_extra)].astype(np.int64)
            cell += np.repeat(np.arange(n_resamples, dtype=np.int64) * k, short)
            np.add.at(counts.reshape(-1), cell, 1)  # a few sqrt(n) balls: cheaper than a bincount
        return counts

    @staticmethod
    def _remove_balls(rng: np.random.Generator, row: np.ndarray, how_many: int) -> None:
        """Drop `how_many` of the row's balls, chosen uniformly without replacement."""
        held = int(row.sum())
        ranks = rng.choice(held, size=how_many, replace=False)
        cells = np.searchsorted(np.cumsum(row), ranks, side="right")
        np.subtract.at(row, cells, 1)


def _default_scale(*, n: int) -> float:
    """Poisson mean factor: the total then falls short of n by ~2 standard deviations, so only
    ~2*sqrt(n) balls are dropped one by one and the removal path runs for ~2% of the resamples.
    Below 16 rows it is 0: every ball is dropped individually, which is plain row resampling."""
    return max(0.0, 1.0 - 2.0 / math.sqrt(n)) if n >= 16 else 0.0


def _near_equal_pieces(sizes: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """For each size cut into `parts` near-equal integer pieces, every piece but the first, flat."""
    if sizes.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(sizes.shape[0]), parts - 1)
    index = np.arange(owner.shape[0]) - np.repeat(np.concatenate([[0], np.cumsum(parts - 1)[:-1]]), parts - 1) + 1
    base, remainder = sizes[owner] // parts[owner], sizes[owner] % parts[owner]
    return (base + (index < remainder)).astype(np.int64)


class PoissonTables:
    """Poisson draws by inversion of their CDFs, with guide tables (Devroye's indexed search).

    Several means share one lookup so that a whole chunk is drawn in a few vectorised passes.
    For a uniform u the draw is #{j : F(j) <= u}, exactly `np.searchsorted(F, u, side="right")`.
    The unit interval is cut into GUIDE_BINS equal bins; a bin that holds no CDF step gives its
    draw directly (most of them), and only a u in one of the few bins that hold a step takes the
    further steps.  Drawing: the bin comes from 12 random bits (four draws per 64-bit word of
    the generator) and only those few u get a full double-precision uniform inside their bin,
    so the draws are exact to double precision, as numpy's own samplers are, for ~1/5 of the
    cost of one double per draw.
    """

    GUIDE_BITS = 12
    GUIDE_BINS = 1 << GUIDE_BITS

    def __init__(self, lams: list[float]):
        # One row per mean: its CDF, padded with +inf (a step never runs into the next row).
        cdf = poisson_cdfs(np.asarray(lams, dtype=np.float64))
        n_tables, width = cdf.shape
        self.scaled = (cdf * self.GUIDE_BINS).reshape(-1)  # a power of two: comparisons stay exact
        self.offsets = np.arange(n_tables, dtype=np.int64) * width
        self.base = np.arange(n_tables, dtype=np.int64) * self.GUIDE_BINS
        self.guide = self._guides(cdf)

    @classmethod
    def _guides(cls, cdf: np.ndarray) -> np.ndarray:
        """Per table and bin b of [b, b+1) / GUIDE_BINS: the draw if it is the same for every u in
        the bin, else -(1 + the draw at the bin's start), whose steps go on from there."""
        n_tables, bins = cdf.shape[0], cls.GUIDE_BINS
        steps = np.minimum(cdf * bins, bins)  # +inf padding and F(j) = 1 both fall past the last bin
        # F(j) <= b / bins  <=>  ceil(F(j) * bins) <= b, so the draw at a bin's start is a running count
        first_bin = np.ceil(steps).astype(np.int64) + (np.arange(n_tables, dtype=np.int64) * (bins + 1))[:, None]
        counts = np.bincount(first_bin.reshape(-1), minlength=n_tables * (bins + 1)).reshape(n_tables, bins + 1)
        guide = np.cumsum(counts, axis=1)[:, :bins].reshape(-1)
        table, j = np.nonzero((steps != np.floor(steps)) & (steps < bins))  # a step strictly inside a bin
        split = table * bins + np.floor(steps[table, j]).astype(np.int64)
        guide[split] = -1 - guide[split]
        widest = int(np.abs(guide).max()) if guide.shape[0] else 0
        return guide.astype(np.int8 if widest <= 127 else np.int16)

    def invert(self, u: np.ndarray, table: np.ndarray) -> np.ndarray:
        """u: (B, m) uniforms in [0, 1); table: (m,) which mean each column uses.  Returns (B, m)
        int64 draws, equal to searchsorted on each column's CDF."""
        scaled = np.multiply(u, self.GUIDE_BINS)
        return self._lookup(scaled.astype(np.int64), table, lambda where: scaled.reshape(-1)[where], Scratch(), "draws")

    def draw(self, rng: np.random.Generator, table: np.ndarray, n_rows: int, scratch: Scratch | None = None, *,
             into: str = "draws") -> np.ndarray:
        """(n_rows, m) int64 draws for the means `table` names, from `rng`, in scratch array `into`."""
        scratch = scratch or Scratch()
        m = table.shape[0]
        words = rng.bit_generator.random_raw(-(-n_rows * m // 4))
        bins = np.bitwise_and(words.view(np.uint16)[: n_rows * m].reshape(n_rows, m), np.uint16(self.GUIDE_BINS - 1),
                              out=scratch.array("bins", (n_rows, m), np.uint16))
        # a u in a bin with a step: its bin plus a double-precision uniform inside it
        return self._lookup(bins, table, lambda where: bins.reshape(-1)[where] + rng.random(where.shape[0]), scratch, into)

    def _lookup(self, bins: np.ndarray, table: np.ndarray, scaled_u_at, scratch: Scratch, into: str) -> np.ndarray:
        shape = bins.shape
        index = np.add(bins, self.base[table], out=scratch.array("index", shape, np.int64))
        x = self.guide.take(index, out=scratch.array("guided", shape, self.guide.dtype))
        flat = x.reshape(-1)
        split = np.flatnonzero(np.less(flat, 0, out=scratch.array("split", flat.shape, bool)))
        draws = scratch.array(into, shape, np.int64)
        np.copyto(draws, x)
        if split.shape[0]:
            u = scaled_u_at(split)
            offset = self.offsets[table[split % table.shape[0]]]
            at = offset - 1 - flat[split].astype(np.int64)  # the CDF step at the bin's start
            behind = np.flatnonzero(self.scaled[at] <= u)
            while behind.shape[0]:
                at[behind] += 1
                behind = behind[self.scaled[at[behind]] <= u[behind]]
            draws.reshape(-1)[split] = at - offset
        return draws


def poisson_cdfs(lams: np.ndarray) -> np.ndarray:
    """P(X <= j) for X ~ Poisson(lam), one row per mean, j = 0.. until the remaining mass is below
    double precision; each row then +inf to the common width (at least one +inf).

    The textbook recurrence pmf(j) = pmf(j - 1) * (lam / j), summed in order, for all means at
    once: cumprod and cumsum perform the recurrence's operations in the same order."""
    lam = np.asarray(lams, dtype=np.float64)[:, None]
    if lam.shape[0] == 0:
        return np.full((0, 1), np.inf)
    width = int(lam.max() + 12.0 * math.sqrt(lam.max()) + 48.0)  # past the cut-off below, checked
    j = np.arange(width, dtype=np.float64)
    factors = np.empty((lam.shape[0], width))
    factors[:, 0] = np.exp(-lam[:, 0])
    np.divide(lam, j[None, 1:], out=factors[:, 1:])
    pmf = np.cumprod(factors, axis=1)
    cdf = np.cumsum(pmf, axis=1)
    # the recurrence goes on while F(j) < 1 and not (j > lam and pmf(j) < 1e-18)
    stop = (cdf >= 1.0) | ((j[None, :] > lam) & (pmf < 1e-18))
    if not stop.any(axis=1).all():
        raise AssertionError("Poisson CDF table too narrow")  # cannot happen for means up to 10^6
    last = np.argmax(stop, axis=1)
    cdf[j[None, :] > last[:, None]] = np.inf
    return np.concatenate([cdf[:, : int(last.max()) + 1], np.full((lam.shape[0], 1), np.inf)], axis=1)


def _none_if_nan(value: float) -> float | None:
    return None if not math.isfinite(value) else float(value)
