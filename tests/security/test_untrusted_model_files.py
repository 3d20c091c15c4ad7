"""Issue #14, items 3 and 4: a model folder's links and YAML are bounded before the trusted side walks,
copies or parses them.

- links to folders (`a -> .`, `b -> .`) and loops of links are refused at upload, with their own codes;
- every copy of a submitted tree (copy_model_tree: promotion, the district's cache) copies regular files
  only, refuses such links at once and stops past its file and byte limits;
- a "billion laughs" MLmodel is refused before it expands, and what a row keeps from MLmodel is capped;
  lists answer only a brief of it.

The promotion of a stored archive with a loop planted after intake is in
tests/registry/test_registry_hardening.py.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from tests.pipeline import SLUG
from tests.security.hostile_archives import MLMODEL, _member, _tar_gz

UPLOAD = f"/api/v1/challenges/{SLUG}/submissions"


def _post(client, headers, name: str, data: bytes):
    return client.post(UPLOAD, headers=headers, files={"file": (name, data, "application/octet-stream")})


def _assert_refused(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text[:500]
    body = answer.json()
    assert body["code"] == code and answer.headers.get("x-error-code") == code, body
    assert body["detail"].endswith(".") and body["detail_zh"] and body["detail_zh"] != body["detail"], body
    return body


def links_to_the_folder_itself() -> bytes:
    """The archive from the hostile review: two links to '.', which make any copy that follows links endless."""
    return _tar_gz([
        (_member("MLmodel"), MLMODEL),
        (_member("model.pkl"), b"not really a pickle"),
        (_member("a", tarfile.SYMTYPE, "."), None),
        (_member("b", tarfile.SYMTYPE, "."), None),
    ])


def a_loop_of_links() -> bytes:
    return _tar_gz([
        (_member("MLmodel"), MLMODEL),
        (_member("model.pkl"), b"not really a pickle"),
        (_member("x", tarfile.SYMTYPE, "y"), None),
        (_member("y", tarfile.SYMTYPE, "x"), None),
    ])


def test_links_to_folders_and_loops_are_refused_at_upload(client, settings, role_headers, loaded):
    team = role_headers["team"]
    body = _assert_refused(_post(client, team, "loop.tar.gz", links_to_the_folder_itself()), 422, "link_to_folder")
    assert "'a'" in body["detail"] or "'b'" in body["detail"]
    _assert_refused(_post(client, team, "loop2.tar.gz", a_loop_of_links()), 422, "link_loop")
    # A link to a file inside the folder is still fine at this stage (the refusal comes from the model check).
    ok_link = _tar_gz([(_member("MLmodel"), MLMODEL), (_member("real.pkl"), b"x"),
                       (_member("model.pkl", tarfile.SYMTYPE, "real.pkl"), None)])
    answer = _post(client, team, "ok.tar.gz", ok_link)
    assert answer.status_code == 202, answer.text
    assert client.get(f"/api/v1/challenges/{SLUG}/quota", headers=team).json()["used"] == 1  # refusals cost nothing


def _tree_with_links(root: Path) -> Path:
    root.mkdir()
    (root / "MLmodel").write_bytes(MLMODEL)
    (root / "model.pkl").write_bytes(b"weights")
    (root / "sub").mkdir()
    (root / "sub" / "code.py").write_text("print(1)\n")
    os.symlink("model.pkl", root / "alias.pkl")  # a link to a file inside: copied as a file
    return root


def test_a_copy_of_a_model_tree_refuses_planted_folder_links_and_loops_at_once(tmp_path):
    from dabiwu.submissions.tree_copy import TreeCopyRefused, copy_model_tree

    clean = _tree_with_links(tmp_path / "clean")
    files, size = copy_model_tree(clean, tmp_path / "clean-copy", max_files=100, max_bytes=1 << 20)
    copied = tmp_path / "clean-copy"
    assert (copied / "alias.pkl").read_bytes() == b"weights" and not (copied / "alias.pkl").is_symlink()
    assert files == 5 and size == len(MLMODEL) + 7 + 7 + 9

    for name, plant in {
        "folder": lambda d: (os.symlink(".", d / "a"), os.symlink(".", d / "b")),
        "loop": lambda d: (os.symlink("y", d / "x"), os.symlink("x", d / "y")),
        "outside": lambda d: os.symlink("/etc/passwd", d / "passwd"),
        "dangling": lambda d: os.symlink("nowhere", d / "gone"),
    }.items():
        tree = _tree_with_links(tmp_path / name)
        plant(tree)
        with pytest.raises(TreeCopyRefused) as refused:
            copy_model_tree(tree, tmp_path / f"{name}-copy", max_files=10_000, max_bytes=1 << 30)
        assert refused.value.code == "model_tree_link" and refused.value.detail_zh, name
        # Bounded: at most the tree's own entries were created before the refusal.
        assert sum(1 for _ in (tmp_path / f"{name}-copy").rglob("*")) <= 6, name

    with pytest.raises(TreeCopyRefused) as too_many:
        copy_model_tree(clean, tmp_path / "few", max_files=3, max_bytes=1 << 20)
    assert too_many.value.code == "model_tree_too_many_files"
    with pytest.raises(TreeCopyRefused) as too_big:
        copy_model_tree(clean, tmp_path / "small", max_files=100, max_bytes=10)
    assert too_big.value.code == "model_tree_too_large"


def billion_laughs(levels: int = 6) -> bytes:
    """An MLmodel whose anchors refer to anchors: 10**levels strings from a few hundred bytes. The
    review's 704-byte one (9 levels) cost 12 s of API CPU and stored 125 MB of JSON in the row."""
    lines = ['lol0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    head = "\n".join(lines)
    inputs = json.dumps([{"name": "x", "type": "double"}])
    return (f"{head}\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n"
            f"signature:\n  inputs: '{inputs}'\n  outputs: *l{levels}\n").encode()


def test_a_billion_laughs_mlmodel_is_refused_before_it_expands(client, settings, role_headers, loaded):
    data = _tar_gz([(_member("MLmodel"), billion_laughs()), (_member("model.pkl"), b"x")])
    assert len(data) < 1024
    body = _assert_refused(_post(client, role_headers["team"], "laughs.tar.gz", data), 422, "invalid_mlmodel")
    assert "alias" in body["detail"]
    assert client.get("/api/v1/submissions", headers=role_headers["team"]).json() == []

    from dabiwu.submissions.safe_yaml import UntrustedYamlError, load_untrusted_yaml

    deep = settings.home_dir / "conda.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(UntrustedYamlError) as nested:
        load_untrusted_yaml(deep)
    assert nested.value.code == "invalid_yaml" and nested.value.detail_zh


def _with_mlmodel_padding(archive: Path, out: Path, padding: int) -> Path:
    """The baseline model with a legal but huge `mlflow_version` string in its MLmodel."""
    import yaml

    buffer = io.BytesIO()
    with tarfile.open(archive, "r:gz") as source, tarfile.open(fileobj=buffer, mode="w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.isfile() and Path(member.name).name == "MLmodel":
                mlmodel = yaml.safe_load(data)
                mlmodel["mlflow_version"] = mlmodel["mlflow_version"] + "+" + "x" * padding
                data = yaml.safe_dump(mlmodel).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    out.write_bytes(buffer.getvalue())
    return out


def test_what_a_row_keeps_of_mlmodel_is_capped_and_lists_carry_only_a_brief(
    client, settings, role_headers, loaded, baseline_archive, tmp_path
):
    from sqlalchemy import select

    from dabiwu.db.models import Submission
    from dabiwu.db.session import session_scope

    padded = _with_mlmodel_padding(baseline_archive, tmp_path / "padded.tar.gz", 600_000)
    with padded.open("rb") as handle:
        answer = client.post(UPLOAD, headers=role_headers["team"], files={"file": ("m.tar.gz", handle, "application/gzip")})
    assert answer.status_code == 202, answer.text[:500]
    with session_scope(settings.resolved_database_url) as session:
        stored = session.scalar(select(Submission.model_info).where(Submission.id == answer.json()["id"]))
    assert len(json.dumps(stored)) <= settings.model_info_max_kb * 1024
    assert stored["mlflow_version"].startswith("3.") and len(stored["mlflow_version"]) <= 128
    assert stored["signature"] is not None  # a normal signature is kept

    listed = client.get("/api/v1/submissions", headers=role_headers["team"])
    assert len(listed.content) < 16 * 1024
    brief = listed.json()[0]["model_info"]
    assert "signature" not in brief and "requirements" not in brief and brief["flavors"]
    full = client.get(f"/api/v1/submissions/{answer.json()['id']}", headers=role_headers["team"]).json()
    assert full["model_info"]["signature"] is not None


def test_leads_run_reads_a_pulled_mlmodel_with_the_bounded_reader(tmp_path):
    """`dabiwu leads run` reads the model's signature on the district's machine: the same alias-free reader as at
    upload, so an MLmodel that expands is a clear refusal, never a hung or exhausted machine."""
    from models_registry.leads import LeadsError, signature_inputs

    (tmp_path / "MLmodel").write_bytes(billion_laughs())
    with pytest.raises(LeadsError) as refused:
        signature_inputs(tmp_path)
    assert "MLmodel" in str(refused.value)
