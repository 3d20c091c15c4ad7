"""Public/private split of a hidden test set, stratified by (district, label).

Stratifying by district as well as label keeps each district's base rate the same on both
leaderboards, so that per-district scores on the public board say something about the private one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Mixed into the seed so the split draws differ from the generator's own draws on the same seed.
_SPLIT_SALT = 0x53504C4954


def split_public_private(
    df: pd.DataFrame,
    *,
    group_column: str,
    label_column: str,
    public_fraction: float = 0.3,
    seed: int,
) -> np.ndarray:
    """Return `is_public`, a bool array aligned with `df`'s rows.

    In each (group, label) cell, round(public_fraction x cell size) rows are public; the rounding is
    randomised per cell so that many small cells still add up to the fraction.  The same frame and
    seed give the same split.
    """
    if not 0.0 < public_fraction < 1.0:
        raise ValueError(f"public_fraction is {public_fraction}; give a fraction strictly between 0 and 1, such as 0.3.")
    if int(seed) < 0:
        raise ValueError(f"seed is {seed}; give a non-negative integer.")
    for column in (group_column, label_column):
        if column not in df.columns:
            raise ValueError(f"the frame has no column '{column}'; pass one of: {', '.join(map(str, df.columns))}.")
    n = len(df)
    if n == 0:
        return np.zeros(0, dtype=bool)

    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _SPLIT_SALT]))
    cell = df.groupby([group_column, label_column], sort=True, dropna=False).ngroup().to_numpy()
    order = np.lexsort((rng.random(n), cell))  # by cell, and randomly within each cell
    starts = np.flatnonzero(np.r_[True, np.diff(cell[order]) != 0])
    sizes = np.diff(np.r_[starts, n])
    quota = np.floor(sizes * public_fraction + rng.random(len(sizes))).astype(np.int64)
    rank_in_cell = np.arange(n) - np.repeat(starts, sizes)
    is_public = np.empty(n, dtype=bool)
    is_public[order] = rank_in_cell < np.repeat(quota, sizes)
    return is_public
