"""Scoring runtimes: names, builds keyed by the lock's hash, versions read without importing (issue #16)."""

from __future__ import annotations

import shutil

import pytest


def test_unknown_runtime_is_refused_with_the_known_ones(settings):
    from dabiwu.runtimes import RuntimeError_, get_runtime

    with pytest.raises(RuntimeError_) as err:
        get_runtime("standard-1999.01", settings)
    assert err.value.code == "unknown_runtime" and settings.default_runtime in err.value.detail
    assert err.value.detail_zh


def test_build_folder_is_keyed_by_the_lock_hash(settings, tmp_path, scoring_runtime):
    from dabiwu.runtimes import RuntimeError_, built_runtime, get_runtime

    locks = tmp_path / "locks"
    shutil.copytree(scoring_runtime.lock_path.parent, locks / "standard-2026.12")
    local = settings.model_copy(update={"runtime_locks_dir": locks, "runtimes_dir": tmp_path / "built"})
    same = get_runtime(None, local)
    assert same.lock_sha256 == scoring_runtime.lock_sha256 and same.path.name == scoring_runtime.path.name
    (locks / "standard-2026.12" / "requirements.lock").write_text(scoring_runtime.lock_path.read_text() + "jieba\n")
    changed = get_runtime(None, local)
    assert changed.path.name != same.path.name  # a changed lock never reuses an old build
    with pytest.raises(RuntimeError_) as err:
        built_runtime(None, local)
    assert err.value.code == "runtime_not_built" and err.value.status == 503
    assert "dabiwu runtimes build standard-2026.12" in err.value.detail


def test_installed_versions_come_from_the_runtime_not_the_platform(scoring_runtime):
    from importlib.metadata import version

    from dabiwu.runtimes import installed_distributions

    installed = installed_distributions(scoring_runtime)
    assert installed["xgboost-cpu"] == installed["xgboost"]  # xgboost-cpu satisfies `xgboost`
    for name in ("lightgbm", "catboost", "jieba", "mlflow", "scikit-learn"):
        assert name in installed
    assert version("dabiwu")  # the platform has it ...
    assert "dabiwu" not in installed and "fastapi" in installed  # ... the runtime does not (mlflow pulls fastapi)
    assert "typer" not in installed  # a platform dependency that is not the runtime's


def test_upload_when_the_runtime_is_not_built_is_a_503_for_the_operator(client, app, settings, role_headers, loaded,
                                                                         baseline_archive, tmp_path):
    from tests.pipeline import upload

    app.state.settings = settings.model_copy(update={"runtimes_dir": tmp_path / "nothing-built"})
    refused = upload(client, role_headers["team"], baseline_archive)
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "runtime_not_built" and refused.json()["detail_zh"]


def test_two_processes_needing_one_runtime_build_it_once(tmp_path):
    """CI's two parallel passes (or several workers) share a build: the second waits for the first's lock."""
    import subprocess
    import sys

    locks, built = tmp_path / "locks", tmp_path / "built"
    (locks / "tiny").mkdir(parents=True)
    (locks / "tiny" / "requirements.lock").write_text("six==1.17.0\n")
    code = (
        "from pathlib import Path; from dabiwu.runtimes.build import ensure_built; from dabiwu.settings import Settings; "
        f"r = ensure_built('tiny', Settings(runtime_locks_dir=Path({str(locks)!r}), runtimes_dir=Path({str(built)!r})), "
        "progress=print); print('PATH', r.path, r.manifest()['built_at'])"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=280)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sum("building from" in out for out in outputs) == 1, outputs  # exactly one build
    finals = {line for out in outputs for line in out.splitlines() if line.startswith("PATH ")}
    assert len(finals) == 1, finals  # both got the same runtime, built at the same moment
    runtime_dirs = [p for p in built.iterdir() if p.is_dir()]
    assert len(runtime_dirs) == 1 and runtime_dirs[0].name.startswith("tiny-")
    assert (runtime_dirs[0] / "lib" / "python3.11" / "site-packages" / "six.py").is_file()
