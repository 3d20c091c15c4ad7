"""split_public_private: about 30% public, stratified by (district, label), deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dabiwu.challenges.splits import split_public_private


@pytest.fixture(scope="module")
def test_set(bundles) -> pd.DataFrame:
    return bundles["medical-insurance-recovery"].generate(10_000, 99)


def _split(frame: pd.DataFrame, seed: int, fraction: float = 0.3) -> np.ndarray:
    return split_public_private(frame, group_column="district", label_column="is_lead", public_fraction=fraction, seed=seed)


def test_about_thirty_percent_is_public(test_set):
    is_public = _split(test_set, 5)
    assert is_public.dtype == bool and is_public.shape == (len(test_set),)
    assert abs(is_public.mean() - 0.3) < 0.01


def test_each_district_label_cell_is_split_alike(test_set):
    frame = test_set.assign(public=_split(test_set, 5))
    cells = frame.groupby(["district", "is_lead"])["public"].agg(["mean", "size"])
    for (_, _), row in cells.iterrows():
        # floor or ceil of 30% of the cell: off by at most one row
        assert abs(row["mean"] * row["size"] - 0.3 * row["size"]) < 1.0 + 1e-9
    public_rates = frame[frame.public].groupby("district").is_lead.mean()
    private_rates = frame[~frame.public].groupby("district").is_lead.mean()
    assert (public_rates - private_rates).abs().max() < 0.03


def test_same_seed_same_split_other_seed_other_split(test_set):
    assert np.array_equal(_split(test_set, 7), _split(test_set, 7))
    assert not np.array_equal(_split(test_set, 7), _split(test_set, 8))


def test_fraction_is_honoured(test_set):
    assert abs(_split(test_set, 1, fraction=0.5).mean() - 0.5) < 0.01


def test_small_cells_still_add_up():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"district": rng.choice(list("abcdefghijklmnopqrst"), 400), "is_lead": rng.integers(0, 2, 400)})
    fractions = [_split(frame, seed).mean() for seed in range(40)]
    assert abs(np.mean(fractions) - 0.3) < 0.02


def test_bad_arguments_are_refused(test_set):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        _split(test_set, 1, fraction=1.0)
    with pytest.raises(ValueError, match="no column 'region'"):
        split_public_private(test_set, group_column="region", label_column="is_lead", seed=1)
    assert split_public_private(test_set.head(0), group_column="district", label_column="is_lead", seed=1).shape == (0,)
