"""The starting kit zip: its files, its README, and a train_and_package.py that really packages a model."""

from __future__ import annotations

import importlib.util
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from dabiwu.challenges.starting_kit import build_starting_kit

KIT_FILES = {"README.md", "baseline.py", "data_dictionary.csv", "train_and_package.py", "train.parquet"}


@pytest.fixture
def kit(bundles, tmp_path):
    bundle = bundles["drunk-driving-withdrawal"]
    train_path = tmp_path / "train.parquet"
    bundle.generate(1500, 8).to_parquet(train_path, index=False)
    path = build_starting_kit(bundle=bundle, train_path=train_path, out_path=tmp_path / "out" / "kit.zip")
    return bundle, path


def test_kit_holds_the_listed_files(kit):
    bundle, path = kit
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert {n.split("/", 1)[1] for n in names} == KIT_FILES
        assert all(n.startswith(f"{bundle.slug}-starting-kit/") for n in names)
        folder = f"{bundle.slug}-starting-kit/"
        readme = archive.read(folder + "README.md").decode("utf-8")
        dictionary = pd.read_csv(io.BytesIO(archive.read(folder + "data_dictionary.csv")), encoding="utf-8-sig")
        assert archive.read(folder + "baseline.py") == (bundle.path / "baseline.py").read_bytes()
        train = pd.read_parquet(io.BytesIO(archive.read(folder + "train.parquet")))
    assert list(dictionary.columns) == ["name", "type", "role", "zh", "en"]
    assert dictionary["name"].tolist() == list(train.columns)
    assert set(dictionary["role"]) == {"id", "group", "label", "feature"}
    for must in ("## 中文", "## English", f"dabiwu submit {bundle.slug}", "skops_trusted_types", "cloudpickle", "TreePredictor"):
        assert must in readme


def test_kit_is_deterministic(bundles, kit, tmp_path):
    bundle, path = kit
    again = build_starting_kit(bundle=bundle, train_path=path.parent.parent / "train.parquet", out_path=tmp_path / "again.zip")
    assert again.read_bytes() == path.read_bytes()


def test_missing_train_file_is_a_clear_error(bundles, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such train file"):
        build_starting_kit(bundle=bundles["han-river-ecology"], train_path=tmp_path / "none.parquet", out_path=tmp_path / "k.zip")


def test_train_and_package_runs_from_the_unzipped_kit(kit, tmp_path, capsys, monkeypatch):
    import mlflow.pyfunc
    from threadpoolctl import threadpool_limits

    bundle, path = kit
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "unzipped")
    folder = tmp_path / "unzipped" / f"{bundle.slug}-starting-kit"
    spec = importlib.util.spec_from_file_location("kit_train_and_package_under_test", folder / "train_and_package.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.chdir(tmp_path)  # the script finds its train set and dictionary next to itself, not in the cwd
    with threadpool_limits(1):  # the machine is shared; OpenMP oversubscription slows boosting a lot
        script.main(["--out", str(tmp_path / "model")])
    assert f"dabiwu submit SLUG {tmp_path / 'model'}" in capsys.readouterr().out
    mlmodel = (tmp_path / "model" / "MLmodel").read_text()
    assert "serialization_format: skops" in mlmodel and "TreePredictor" in mlmodel
    hidden = bundle.generate(100, 9).drop(columns=[bundle.label_column])
    scores = np.asarray(mlflow.pyfunc.load_model(str(tmp_path / "model")).predict(hidden))
    assert scores.shape == (100, 2)
