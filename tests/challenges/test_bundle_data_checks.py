"""Loading checks the whole generated train and test sets: each broken variant is refused with sentences
(English and Chinese) naming the column, the count and an example row, and nothing is stored."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from dabiwu.challenges.bundle import BundleError
from tests.challenges.tiny_bundle import TEST_ROWS, TRAIN_ROWS, TRAIN_SEED, write_bundle

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _load(settings, path):
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    with session_scope(settings.resolved_database_url) as session:
        result = load_challenge(session, store=store_for(settings), path=path)
        return result.dataset.id


def _refused(settings, path) -> BundleError:
    from dabiwu.db.models import Challenge, DatasetVersion
    from dabiwu.db.session import session_scope

    with pytest.raises(BundleError) as caught:
        _load(settings, path)
    error = caught.value
    assert len(error.problems) == len(error.problems_zh) >= 1
    assert all(CHINESE.search(zh) for zh in error.problems_zh)
    assert "Traceback" not in str(error)
    with session_scope(settings.resolved_database_url) as session:  # nothing was stored
        assert session.scalar(select(func.count()).select_from(Challenge)) == 0
        assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 0
    objects = settings.home_dir / "objects"
    assert not objects.exists() or not any(p.is_file() for p in objects.rglob("*"))
    return error


def test_the_tiny_bundle_is_sound_and_loads(settings, tmp_path):
    assert _load(settings, write_bundle(tmp_path)) > 0


def test_a_rare_label_value_is_refused(settings, tmp_path):
    path = write_bundle(tmp_path, bug="if n_rows > 100:\n    frame.loc[n_rows - 3, 'is_lead'] = 2")
    message = str(_refused(settings, path))
    assert "the label 'is_lead' has 1 value(s) other than 0 and 1 (2;" in message
    assert f"row {TRAIN_ROWS - 3} of generate({TRAIN_ROWS}, {TRAIN_SEED})" in message


def test_ids_repeated_across_train_and_test_are_refused(settings, tmp_path):
    # Ids drawn from a fixed generator, not from the seed: train and test share them.
    bug = "frame['case_id'] = [f'T-{v:012x}' for v in np.random.default_rng(1).integers(0, 2**48, n_rows)]"
    error = _refused(settings, write_bundle(tmp_path, bug=bug))
    message = str(error)
    assert f"the id column 'case_id' repeats {TEST_ROWS} id(s) across the train and test sets ({TEST_ROWS} of them appear in both" in message
    assert f"row 0 of generate({TRAIN_ROWS}, {TRAIN_SEED}) and row 0 of generate({TEST_ROWS}, " in message
    assert "编号" in " ".join(error.problems_zh)


def test_missing_values_in_an_int_column_are_refused(settings, tmp_path):
    path = write_bundle(tmp_path, bug="if n_rows > 100:\n    frame.loc[[5, 77], 'visits'] = np.nan")
    error = _refused(settings, path)
    message = str(error)
    assert "field 'columns[4]': 'visits' has 2 missing value(s) (e.g. row 5 of generate(600, 7), case_id 'T-" in message
    assert "declare 'visits' type: float with nullable: true" in message
    assert "'visits' 有 2 个缺失值" in " ".join(error.problems_zh)


def test_a_column_of_mixed_types_is_refused_without_a_traceback(settings, tmp_path):
    path = write_bundle(tmp_path, bug="""\
    if n_rows > 100:
        frame['court'] = frame['court'].astype(object)
        frame.loc[[10, 20, 30], 'court'] = 12345
    """)
    message = str(_refused(settings, path))
    assert "field 'columns[2].type': 'court' is declared category but holds values of mixed Python types" in message
    assert "3 int" in message and "row 10 of generate(600, 7)" in message and ": 12345)" in message


def test_a_generator_that_fails_at_full_size_is_reported(settings, tmp_path):
    bug = "if n_rows > 500:\n    raise ValueError('cannot make that many rows')"
    message = str(_refused(settings, write_bundle(tmp_path, bug=bug)))
    assert "generate(600, 7) raised ValueError: cannot make that many rows. Call it by hand" in message


def test_a_set_without_leads_is_refused(settings, tmp_path):
    path = write_bundle(tmp_path, bug="if n_rows == 600:\n    frame['is_lead'] = 0")
    message = str(_refused(settings, path))
    assert "field 'data.train_rows': the train set (600 rows) has no lead (label 1), so average_precision cannot be computed" in message


def test_sequential_ids_are_refused(settings, tmp_path):
    bug = "frame['case_id'] = [f'C{seed % 1000:03d}-{i:06d}' for i in range(n_rows)]"
    message = str(_refused(settings, write_bundle(tmp_path, bug=bug)))
    assert "the ids of 'case_id' in generate(600, 7) look sequential" in message


def test_ids_whose_order_follows_the_label_are_refused(settings, tmp_path):
    bug = """\
    frame = frame.sort_values('is_lead', kind='stable').reset_index(drop=True)
    frame['case_id'] = sorted(frame['case_id'])
    frame = frame.sample(frac=1.0, random_state=seed % 2**32).reset_index(drop=True)
    """
    message = str(_refused(settings, write_bundle(tmp_path, bug=bug)))
    assert "sorting the rows by 'case_id' ranks the leads (ROC AUC 1.000" in message


def test_every_problem_is_reported_at_once(settings, tmp_path):
    bug = """\
    if n_rows > 100:
        frame.loc[n_rows - 1, 'is_lead'] = 3
        frame.loc[[2], 'visits'] = np.nan
    """
    error = _refused(settings, write_bundle(tmp_path, bug=bug))
    # both sets, both problems: 4 sentences
    assert len(error.problems) == 4, error.problems
    assert sum("'is_lead'" in p for p in error.problems) == 2 and sum("'visits'" in p for p in error.problems) == 2


def test_columns_in_another_order_are_refused(settings, tmp_path):
    bug = "frame = frame[['district', 'case_id', 'court', 'amount', 'visits', 'is_lead']]"
    message = str(pytest.raises(BundleError, _load, settings, write_bundle(tmp_path, bug=bug)).value)
    assert "generate.py produces the columns in another order (column 0 is 'district', the dictionary says 'case_id')" in message


def test_sorted_rows_leave_row_position_without_label_information(settings, tmp_path):
    """A generator that emits its rows sorted by label: a model that scores by row position (or gives every
    row the same score, so that ties fall to row order) must get no signal from the hidden set."""
    from sklearn.metrics import average_precision_score

    from dabiwu.db.models import DatasetVersion
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    bug = "frame = frame.sort_values('is_lead', ascending=False, kind='stable').reset_index(drop=True)"
    dataset_id = _load(settings, write_bundle(tmp_path, bug=bug))
    store = store_for(settings)
    with session_scope(settings.resolved_database_url) as session:
        dataset = session.get(DatasetVersion, dataset_id)
        features_key, labels_key = dataset.test_features_key, dataset.test_labels_key
    features = pd.read_parquet(store.open(features_key))
    labels = pd.read_parquet(store.open(labels_key))
    assert (features["case_id"].to_numpy() == labels["case_id"].to_numpy()).all()  # still aligned
    y = labels["label"].to_numpy()
    prevalence = y.mean()
    by_position = -np.arange(len(y), dtype=float)  # earlier rows score higher
    assert average_precision_score(y, by_position) < prevalence + 0.15, (average_precision_score(y, by_position), prevalence)
    # A constant score: precision@k's ties fall to row order (a stable sort), so its top k are the first k rows.
    assert y[:100].mean() < prevalence + 0.2
    # The id order carries none either (the generator's ids are random).
    by_id = labels["case_id"].rank().to_numpy()
    assert average_precision_score(y, by_id) < prevalence + 0.15


def test_the_dry_run_warns_about_sorted_rows(tmp_path):
    from dabiwu.challenges.dryrun import check_bundle

    bug = "frame = frame.sort_values('is_lead', ascending=False, kind='stable').reset_index(drop=True)"
    report = check_bundle(write_bundle(tmp_path, bug=bug), baseline=False)
    assert report.ok
    assert any("returns its rows ordered by the label" in w for w in report.summary["warnings"])
    assert report.summary["test"]["rows"] == TEST_ROWS and report.summary["public"]["rows"] + report.summary["private"]["rows"] == TEST_ROWS
