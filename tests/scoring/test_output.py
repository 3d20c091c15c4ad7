"""normalise_predictions: every accepted form of a model's output, and every rule it can break.

The tables are written and read back through Parquet, as the sandbox child hands them over.
"""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dabiwu.scoring.output import BadOutput, normalise_predictions


def _through_parquet(table: pa.Table | pd.DataFrame, tmp_path) -> pa.Table:
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    path = tmp_path / "predictions.parquet"
    pq.write_table(table, path)
    return pq.read_table(path)


SCORES = np.array([0.9, 0.1, 0.5, 0.5, 0.0])


@pytest.mark.parametrize(
    "form",
    [
        pd.DataFrame({"score": SCORES}),
        pd.DataFrame({"0": SCORES}),  # a 1-D array written as one column
        pd.DataFrame({"prediction": SCORES.astype(np.float32)}),
        pd.DataFrame({"id": np.arange(5), "score": SCORES, "note": list("abcde")}),
        pd.DataFrame({"0": 1 - SCORES, "1": SCORES}),  # predict_proba
        pd.DataFrame({"score": pd.array(SCORES, dtype="Float64")}),
    ],
    ids=["score", "one_column", "float32", "score_among_others", "proba", "nullable_float"],
)
def test_accepted_forms(form, tmp_path):
    for table in (form, _through_parquet(form, tmp_path)):
        got = normalise_predictions(table, n_rows=5)
        assert got.dtype == np.float64 and got.shape == (5,)
        np.testing.assert_allclose(got, SCORES, rtol=1e-7)


def test_raw_predict_returns_are_accepted_too():
    np.testing.assert_array_equal(normalise_predictions(SCORES, n_rows=5), SCORES)
    np.testing.assert_array_equal(normalise_predictions(pd.Series(SCORES), n_rows=5), SCORES)
    proba = np.stack([1 - SCORES, SCORES], axis=1)
    np.testing.assert_array_equal(normalise_predictions(proba, n_rows=5), SCORES)
    np.testing.assert_array_equal(normalise_predictions(pd.DataFrame(proba), n_rows=5), SCORES)


def test_integers_and_decimals_are_numbers(tmp_path):
    ints = pa.table({"score": pa.array([3, 1, 2], pa.int64())})
    np.testing.assert_array_equal(normalise_predictions(ints, n_rows=3), [3.0, 1.0, 2.0])
    decimals = pa.table({"score": pa.array([decimal.Decimal("0.25"), decimal.Decimal("0.75")])})
    np.testing.assert_array_equal(normalise_predictions(decimals, n_rows=2), [0.25, 0.75])
    objects = pd.DataFrame({"score": pd.Series([0.5, 1, 2.5], dtype=object)})
    np.testing.assert_array_equal(normalise_predictions(objects, n_rows=3), [0.5, 1.0, 2.5])


def test_rows_are_aligned_by_position_not_index():
    frame = pd.DataFrame({"score": [0.1, 0.2, 0.3]}, index=[2, 0, 1])
    np.testing.assert_array_equal(normalise_predictions(frame, n_rows=3), [0.1, 0.2, 0.3])


def _refusal(table, n_rows) -> BadOutput:
    with pytest.raises(BadOutput) as caught:
        normalise_predictions(table, n_rows=n_rows)
    error = caught.value
    assert isinstance(error, ValueError) and error.rule in str(error) and error.message_zh
    return error


def test_wrong_length_names_both_numbers(tmp_path):
    error = _refusal(_through_parquet(pd.DataFrame({"score": SCORES}), tmp_path), 6)
    assert error.rule == "wrong_length"
    assert "5 rows" in str(error) and "6" in str(error) and "order" in str(error)


@pytest.mark.parametrize(
    "column, kind",
    [
        (pa.array(["0.1", "0.2"]), "string"),
        (pa.array([True, False]), "bool"),
        (pa.array([[0.1, 0.9], [0.8, 0.2]]), "list"),
        (pa.array(["a", "b"]).dictionary_encode(), "dictionary"),
    ],
    ids=["strings", "bools", "lists", "categories"],
)
def test_not_numeric(column, kind, tmp_path):
    error = _refusal(_through_parquet(pa.table({"score": column}), tmp_path), 2)
    assert error.rule == "not_numeric" and kind in str(error) and "predict_proba" in str(error)


@pytest.mark.parametrize(
    "series",
    [pd.Series([True, False]), pd.Series(["0.1", "0.2"]), pd.Series([0.1, "x"], dtype=object), pd.Series([1 + 1j, 2j])],
    ids=["bool", "str", "mixed_object", "complex"],
)
def test_not_numeric_pandas(series):
    assert _refusal(pd.DataFrame({"score": series}), 2).rule == "not_numeric"


def test_not_finite_counts_and_points_at_the_first(tmp_path):
    scores = np.array([0.1, 0.2, np.nan, 0.4, np.inf, -np.inf])
    error = _refusal(_through_parquet(pd.DataFrame({"score": scores}), tmp_path), 6)
    assert error.rule == "not_finite" and "3 of 6" in str(error) and "row 2" in str(error)
    nulls = pa.table({"score": pa.array([0.1, None, 0.3])})
    error = _refusal(nulls, 3)
    assert error.rule == "not_finite" and "1 of 3" in str(error) and "row 1" in str(error)
    assert _refusal(pa.table({"score": pa.nulls(2)}), 2).rule == "not_finite"


def test_ambiguous_columns(tmp_path):
    three = pd.DataFrame({"a": SCORES, "b": SCORES, "c": SCORES})
    error = _refusal(_through_parquet(three, tmp_path), 5)
    assert error.rule == "ambiguous_columns" and "'score'" in str(error) and "'a'" in str(error)
    twice = pd.DataFrame([[0.1, 0.2]], columns=["score", "score"])
    assert _refusal(twice, 1).rule == "ambiguous_columns"


def test_empty(tmp_path):
    assert _refusal(pa.table({}), 3).rule == "empty"
    no_rows = _through_parquet(pd.DataFrame({"score": np.array([], dtype=float)}), tmp_path)
    error = _refusal(no_rows, 3)
    assert error.rule == "empty" and "0 rows" in str(error)


def test_refusals_survive_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(_refusal(pd.DataFrame({"score": SCORES}), 4)))
    assert error.rule == "wrong_length" and "4" in str(error) and error.message_zh


def test_only_tables_are_taken():
    with pytest.raises(TypeError):
        normalise_predictions([0.1, 0.2], n_rows=2)
