"""Each bundle's baseline trains on a small generated set and saves a stock MLflow model."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
import pytest


def _baseline(bundle) -> ModuleType:
    name = f"baseline_under_test_{bundle.slug.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, bundle.path / "baseline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baseline_column_lists_cover_the_data_dictionary(bundle):
    baseline = _baseline(bundle)
    used = baseline.NUMERIC + baseline.BOOLEAN + baseline.CATEGORICAL + baseline.UNUSED
    assert sorted(used) == sorted(bundle.feature_columns)
    assert (baseline.ID_COLUMN, baseline.LABEL_COLUMN) == (bundle.id_column, bundle.label_column)


def test_baseline_saves_a_skops_model_that_stock_mlflow_loads(bundle, tmp_path):
    import mlflow.pyfunc
    from mlflow.models import get_model_info

    train_path = tmp_path / "train.parquet"
    bundle.generate(3000, 3).to_parquet(train_path, index=False)
    _baseline(bundle).main(["--train", str(train_path), "--out", str(tmp_path / "model")])

    info = get_model_info(str(tmp_path / "model"))
    assert info.flavors["sklearn"]["serialization_format"] == "skops"
    assert info.flavors["python_function"]["predict_fn"] == "predict_proba"
    hidden = bundle.generate(200, 4).drop(columns=[bundle.label_column])  # what the scorer sends: id included
    scores = mlflow.pyfunc.load_model(str(tmp_path / "model")).predict(hidden)
    assert np.asarray(scores).shape == (200, 2)
    assert np.allclose(np.asarray(scores).sum(axis=1), 1.0)


def test_baseline_cli_trains_from_csv_and_saves_cloudpickle(bundles, tmp_path):
    import mlflow.pyfunc

    bundle = bundles["medical-insurance-recovery"]  # the one with dates and text: the hardest CSV
    train_path = tmp_path / "train.csv"
    bundle.generate(2000, 5).to_csv(train_path, index=False, encoding="utf-8-sig")  # as the platform serves it
    out = tmp_path / "model_cp"
    _baseline(bundle).main(["--train", str(train_path), "--out", str(out), "--format", "cloudpickle"])
    assert "serialization_format: cloudpickle" in (out / "MLmodel").read_text()
    hidden = bundle.generate(50, 6).drop(columns=[bundle.label_column])
    assert np.asarray(mlflow.pyfunc.load_model(str(out)).predict(hidden)).shape == (50, 2)


@pytest.mark.parametrize("missing", ["--train", "--out"])
def test_baseline_cli_says_what_is_missing(bundles, missing, capsys):
    baseline = _baseline(bundles["han-river-ecology"])
    args = {"--train": ["--train", "x.parquet"], "--out": ["--out", "m"]}
    argv = [a for flag, pair in args.items() if flag != missing for a in pair]
    with pytest.raises(SystemExit):
        baseline.main(argv)
    assert missing in capsys.readouterr().err
