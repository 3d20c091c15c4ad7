"""Issue #16: the models teams really build, saved by stock MLflow exactly as docs/team.md shows, are uploaded,
scored in the sandbox with the challenge's scoring runtime, and score what they predict in the training process.

Each example of docs/team.md ("Examples, one per flavor") is run here as written: the doc is the test's source.
"""

from __future__ import annotations

import io
import re
import sys
import tarfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.pipeline import BUNDLE, SLUG, upload, work_one

REPO = Path(__file__).resolve().parents[2]
TEAM_DOC = REPO / "docs" / "team.md"


def doc_blocks(kind: str) -> dict[str, str]:
    """The ```python blocks of docs/team.md that follow `<!-- example: NAME -->` (kind 'example') or
    `<!-- example-file: NAME -->` (kind 'example-file')."""
    text = TEAM_DOC.read_text(encoding="utf-8")
    pattern = rf"<!-- {kind}: ([\w.]+) -->\n```python\n(.*?)```"
    return {name: code for name, code in re.findall(pattern, text, flags=re.S)}


@pytest.fixture(scope="module")
def train_frame():
    from dabiwu.challenges.bundle import load_bundle

    bundle = load_bundle(BUNDLE)
    return bundle.generate(1500, bundle.rules.data.train_seed)


def save_doc_example(name: str, train, workdir: Path, monkeypatch) -> Path:
    """Run the doc's example `name` in `workdir` (with its helper files) and pack the model it saved."""
    workdir.mkdir(parents=True)
    for filename, code in doc_blocks("example-file").items():
        (workdir / filename).write_text(code, encoding="utf-8")
    monkeypatch.chdir(workdir)
    monkeypatch.syspath_prepend(str(workdir))  # as `python train.py` beside lead_text.py would have it
    namespace = {"train": train, "y": train["is_lead"]}
    exec(compile(doc_blocks("example")[name], f"docs/team.md:{name}", "exec"), namespace)  # noqa: S102
    archive = workdir / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(workdir / "my_model", arcname=".")
    return workdir / "my_model"


def hidden_features(settings, loaded):
    from dabiwu.db.models import DatasetVersion
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    with session_scope(settings.resolved_database_url) as session:
        key = session.get(DatasetVersion, loaded["dataset_id"]).test_features_key
    return pq.read_table(io.BytesIO(store_for(settings).read_bytes(key))).to_pandas()


def test_the_docs_have_one_example_per_flavor():
    assert set(doc_blocks("example")) == {"sklearn", "lightgbm", "xgboost", "catboost", "jieba"}
    assert set(doc_blocks("example-file")) == {"lead_text.py"}


@pytest.mark.parametrize("flavor", ["lightgbm", "xgboost", "catboost", "jieba", "sklearn"])
def test_stock_mlflow_model_is_scored_in_the_runtime_as_it_predicts_in_process(
    flavor, client, settings, role_headers, loaded, train_frame, tmp_path, monkeypatch, scoring_runtime
):
    """sklearn here is a OneHotEncoder pipeline with skops and a signature listing 5 of the 17 columns."""
    import mlflow.pyfunc

    from dabiwu.db.models import Score
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    model_dir = save_doc_example(flavor, train_frame, tmp_path / "work", monkeypatch)
    accepted = upload(client, role_headers["team"], model_dir.parent / "model.tar.gz")
    assert accepted.status_code == 202, accepted.text
    assert work_one(settings) == "scored"
    seen = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=role_headers["team"]).json()
    assert seen["status"] == "scored", seen

    features = hidden_features(settings, loaded)
    expected = np.asarray(mlflow.pyfunc.load_model(str(model_dir)).predict(features), dtype="float64")
    if expected.ndim == 2:
        expected = expected[:, 1]
    with session_scope(settings.resolved_database_url) as session:
        score = session.query(Score).one()
        stored = pq.read_table(io.BytesIO(store_for(settings).read_bytes(score.predictions_key))).to_pandas()
    assert len(stored) == len(features) and np.isfinite(stored["score"]).all()
    np.testing.assert_allclose(stored["score"].to_numpy(), expected, rtol=0, atol=1e-9)
    assert np.std(expected) > 0  # a real model, not a constant


def test_a_package_the_runtime_lacks_is_refused_by_name(
    client, settings, role_headers, loaded, train_frame, tmp_path, monkeypatch, scoring_runtime
):
    model_dir = save_doc_example("lightgbm", train_frame, tmp_path / "work", monkeypatch)
    with (model_dir / "requirements.txt").open("a") as handle:
        handle.write("\ntorch==2.13.0\n")
    archive = tmp_path / "torch.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model_dir, arcname=".")
    refused = upload(client, role_headers["team"], archive)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert f"torch==2.13.0 (torch is not in the scoring runtime {scoring_runtime.name})" in detail
    assert "lightgbm" not in detail.split(". The sandbox")[0]  # the runtime has it


def test_challenge_names_its_runtime(client, role_headers, loaded, scoring_runtime):
    body = client.get(f"/api/v1/challenges/{SLUG}", headers=role_headers["team"]).json()
    assert body["runtime"] == scoring_runtime.name
    kit = client.get(f"/api/v1/challenges/{SLUG}/starting-kit", headers=role_headers["team"])
    import zipfile

    with zipfile.ZipFile(io.BytesIO(kit.content)) as archive:
        names = {n.split("/", 1)[1]: n for n in archive.namelist()}
        assert archive.read(names["runtime-requirements.lock"]) == scoring_runtime.lock_path.read_bytes()
        assert scoring_runtime.name in archive.read(names["README.md"]).decode("utf-8")


def test_platform_package_cannot_be_imported_in_the_sandbox(tmp_path, scoring_runtime):
    """The sandbox runs the runtime's interpreter: neither `dabiwu` nor the platform's venv is there."""
    import mlflow.pyfunc
    import pandas as pd

    import dabiwu
    from dabiwu.sandbox import Limits, run

    probe_dir = Path(__file__).with_name("runtime_models")
    sys.path.insert(0, str(probe_dir))
    try:
        from platform_probe_model import PlatformProbe
    finally:
        sys.path.remove(str(probe_dir))
    platform_paths = [sys.prefix, str(Path(dabiwu.__file__).parent)]
    model = PlatformProbe(platform_paths)
    assert model.predict(None, pd.DataFrame({"x": [1.0]})).tolist() == [[1.0, 1.0]]  # here, both are visible
    mlflow.pyfunc.save_model(str(tmp_path / "model"), python_model=model,
                             code_paths=[str(probe_dir / "platform_probe_model.py")], pip_requirements=["mlflow"])
    features = tmp_path / "X.parquet"
    pd.DataFrame({"x": [1.0, 2.0]}).to_parquet(features)
    result = run(model_dir=tmp_path / "model", features_path=features, out_dir=tmp_path / "out",
                 limits=Limits(wall_seconds=120), runtime=scoring_runtime)
    out = pq.read_table(result.predictions_path).to_pandas()
    assert out["0"].tolist() == [0.0, 0.0], "import dabiwu succeeded inside the sandbox"
    assert out["1"].tolist() == [0.0, 0.0], "the platform's venv or source is visible inside the sandbox"
