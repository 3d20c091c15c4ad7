"""safe_extract on real MLflow model archives and on hand-made hostile ones."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from dabiwu.submissions.archive import safe_extract
from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.validation import validate_model_dir

# -- building archives ----------------------------------------------------------------------


def zip_dir(src: Path, out: Path, *, prefix: str = "") -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(src).as_posix())
    return out


def tar_dir(src: Path, out: Path, *, mode: str = "w:gz", prefix: str = "") -> Path:
    with tarfile.open(out, mode) as tf:
        tf.add(src, arcname=prefix.rstrip("/") or ".")
    return out


def raw_zip(out: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return out


def raw_tar(out: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz", **kw) -> Path:
    with tarfile.open(out, mode, **kw) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)
    return out


def tar_member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o644
    return info


def zip_link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def model_files(model_dir: Path, prefix: str) -> list[tuple[tarfile.TarInfo, bytes]]:
    """The real model's files as tar members under `prefix`."""
    return [
        (tar_member(prefix + p.relative_to(model_dir).as_posix()), p.read_bytes())
        for p in sorted(model_dir.rglob("*"))
        if p.is_file()
    ]


# -- asserting refusals ---------------------------------------------------------------------


def refuse(tmp_path: Path, archive: Path, code: str, *fix_words: str, **limits) -> IntakeError:
    """Extract, expect `code`, and prove nothing was left in or written outside the destination."""
    outer = tmp_path / "outer"
    outer.mkdir(exist_ok=True)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(IntakeError) as err:
        safe_extract(archive_path=archive, dest=outer / "dest", **limits)
    assert err.value.code == code, err.value
    assert not (outer / "dest").exists()
    assert list(outer.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    message = err.value.message
    assert message.endswith(".") and len(message) > 60
    for word in fix_words:
        assert word.lower() in message.lower(), message
    return err.value


# -- accepted -------------------------------------------------------------------------------

KINDS = ["sklearn_skops", "sklearn_cloudpickle", "pyfunc_code"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "pack",
    ["zip-root", "zip-folder", "tar.gz-folder", "tar-root", "tar.xz-folder"],
)
def test_real_model_archives_extract_and_validate(kind, pack, mlflow_model_factory, intake_challenge, tmp_path):
    model_dir = mlflow_model_factory(kind)
    archive = tmp_path / "upload.bin"  # the name says nothing: the content decides
    if pack == "zip-root":
        zip_dir(model_dir, archive)
    elif pack == "zip-folder":
        zip_dir(model_dir, archive, prefix="my_model/")
    elif pack == "tar.gz-folder":
        tar_dir(model_dir, archive, prefix="my_model")
    elif pack == "tar-root":
        tar_dir(model_dir, archive, mode="w")
    else:
        tar_dir(model_dir, archive, mode="w:xz", prefix="my_model")
    root = safe_extract(archive_path=archive, dest=tmp_path / "x")
    assert (root / "MLmodel").is_file()
    assert root == (tmp_path / "x" / ("my_model" if "folder" in pack else "")).resolve()
    info = validate_model_dir(model_dir=root, max_model_mb=5, **intake_challenge)
    assert "python_function" in info.flavors and info.warnings == []


def test_macos_zip_with_resource_forks(mlflow_model_factory, tmp_path):
    model_dir = mlflow_model_factory("sklearn_skops")
    archive = zip_dir(model_dir, tmp_path / "m.zip", prefix="model/")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("__MACOSX/model/._MLmodel", b"\x00\x05\x16\x07")
        zf.writestr("model/.DS_Store", b"junk")
        zf.writestr(".DS_Store", b"junk")
    root = safe_extract(archive_path=archive, dest=tmp_path / "x")
    assert root.name == "model"
    assert not (tmp_path / "x" / "__MACOSX").exists()


def test_links_that_stay_inside_are_kept_and_hardlinks_become_copies(mlflow_model_factory, intake_challenge, tmp_path):
    model_dir = mlflow_model_factory("sklearn_skops")
    members = model_files(model_dir, "m/")
    members.append((tar_member("m/docs/alias.skops", tarfile.SYMTYPE, linkname="../model.skops"), None))
    members.append((tar_member("m/copy.skops", tarfile.LNKTYPE, linkname="m/model.skops"), None))
    archive = raw_tar(tmp_path / "m.tgz", members)
    root = safe_extract(archive_path=archive, dest=tmp_path / "x")
    assert (root / "docs" / "alias.skops").is_symlink()
    assert (root / "docs" / "alias.skops").read_bytes() == (model_dir / "model.skops").read_bytes()
    assert not (root / "copy.skops").is_symlink()
    assert (root / "copy.skops").read_bytes() == (model_dir / "model.skops").read_bytes()
    assert os.stat(root / "copy.skops").st_nlink == 1
    validate_model_dir(model_dir=root, max_model_mb=5, **intake_challenge)


# -- refused --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../evil.txt", "model/../../evil.txt", "..\\..\\evil.txt", "a/./../../evil.txt"])
def test_zip_slip_is_refused(name, tmp_path):
    archive = raw_zip(tmp_path / "slip.zip", [("MLmodel", b"flavors: {}"), (name, b"owned")])
    refuse(tmp_path, archive, "path_traversal", "..", "pack")


def test_tar_slip_is_refused(tmp_path):
    archive = raw_tar(tmp_path / "slip.tgz", [(tar_member("MLmodel"), b"x"), (tar_member("../../evil.txt"), b"owned")])
    refuse(tmp_path, archive, "path_traversal", "pack")


@pytest.mark.parametrize("fmt", ["zip", "tar"])
@pytest.mark.parametrize("name", ["/tmp/dabiwu-abs-evil.txt", "C:/evil.txt", "//server/evil.txt"])
def test_absolute_paths_are_refused(fmt, name, tmp_path):
    if fmt == "zip":
        archive = raw_zip(tmp_path / "abs.zip", [(zipfile.ZipInfo(name), b"owned")])
        with zipfile.ZipFile(archive) as zf:
            assert zf.namelist() == [name]  # the hostile name really is in the archive
    else:
        archive = raw_tar(tmp_path / "abs.tgz", [(tar_member(name), b"owned")])
    refuse(tmp_path, archive, "absolute_path", "relative", "pack")
    assert not Path("/tmp/dabiwu-abs-evil.txt").exists()


@pytest.mark.parametrize(
    "target", ["/etc/passwd", "../../../etc/passwd", "../..", "sub/../../../x"], ids=["absolute", "up", "parent", "sneaky"]
)
def test_tar_symlink_escaping_is_refused(target, tmp_path):
    archive = raw_tar(
        tmp_path / "link.tgz",
        [(tar_member("m/MLmodel"), b"flavors: {}"), (tar_member("m/link", tarfile.SYMTYPE, linkname=target), None)],
    )
    refuse(tmp_path, archive, "escaping_link", "replace the link")


def test_tar_symlink_chain_resolving_outside_is_refused(tmp_path):
    # Each target looks inside on its own; followed together they leave the tree.
    archive = raw_tar(
        tmp_path / "chain.tgz",
        [
            (tar_member("MLmodel"), b"flavors: {}"),
            (tar_member("s", tarfile.SYMTYPE, linkname="."), None),
            (tar_member("t", tarfile.SYMTYPE, linkname="s/s/../.."), None),
        ],
    )
    refuse(tmp_path, archive, "escaping_link", "resolves outside")


def test_tar_file_written_through_a_symlink_is_refused(tmp_path):
    outside = tmp_path / "target-dir"
    outside.mkdir()
    archive = raw_tar(
        tmp_path / "through.tgz",
        [
            (tar_member("MLmodel"), b"flavors: {}"),
            (tar_member("d", tarfile.SYMTYPE, linkname=str(outside)), None),
            (tar_member("d/evil.txt"), b"owned"),
        ],
    )
    refuse(tmp_path, archive, "escaping_link")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside.txt", "m/not-there"])
def test_tar_hardlink_escaping_is_refused(target, tmp_path):
    archive = raw_tar(
        tmp_path / "hard.tgz",
        [(tar_member("m/MLmodel"), b"flavors: {}"), (tar_member("m/hard", tarfile.LNKTYPE, linkname=target), None)],
    )
    refuse(tmp_path, archive, "escaping_link", "replace the link")


@pytest.mark.parametrize("target", [b"/etc/passwd", b"../../etc/passwd"])
def test_zip_symlink_escaping_is_refused(target, tmp_path):
    archive = raw_zip(tmp_path / "link.zip", [("MLmodel", b"flavors: {}"), (zip_link("model.pkl"), target)])
    refuse(tmp_path, archive, "escaping_link", "replace the link")


def test_zip_symlink_inside_is_kept(tmp_path):
    archive = raw_zip(tmp_path / "ok.zip", [("MLmodel", b"flavors: {}"), ("data/a.txt", b"a"), (zip_link("b.txt"), b"data/a.txt")])
    root = safe_extract(archive_path=archive, dest=tmp_path / "x")
    assert (root / "b.txt").is_symlink() and (root / "b.txt").read_bytes() == b"a"


def test_zip_bomb_is_refused_by_declared_size(tmp_path):
    archive = raw_zip(tmp_path / "bomb.zip", [("MLmodel", b"flavors: {}"), ("zeros.bin", bytes(20 * 1024 * 1024))])
    assert archive.stat().st_size < 50 * 1024
    refuse(tmp_path, archive, "too_large_expanded", "remove training data", max_total_bytes=1024 * 1024)


def test_zip_bomb_that_lies_about_its_size_is_refused(tmp_path):
    archive = raw_zip(tmp_path / "liar.zip", [("MLmodel", b"flavors: {}"), ("zeros.bin", bytes(4 * 1024 * 1024))])
    data = bytearray(archive.read_bytes())
    # Declare 1000 bytes (uncompressed size) in the local header and the central directory.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("zeros.bin")
    local = info.header_offset
    data[local + 22 : local + 26] = (1000).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02")
    assert data[central + 46 : central + 46 + 9] == b"zeros.bin"
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    err = refuse(tmp_path, archive, "corrupt_archive", "pack", max_total_bytes=1024 * 1024)
    assert "zeros.bin" in err.message


def test_tar_gz_bomb_is_refused(tmp_path):
    archive = raw_tar(tmp_path / "bomb.tgz", [(tar_member("MLmodel"), b"x"), (tar_member("zeros.bin"), bytes(20 * 1024 * 1024))])
    assert archive.stat().st_size < 100 * 1024
    refuse(tmp_path, archive, "too_large_expanded", "remove training data", max_total_bytes=1024 * 1024)


def test_tar_pax_header_bomb_is_refused(tmp_path):
    info = tar_member("MLmodel")
    info.pax_headers = {"comment": "x" * 200_000}
    archive = raw_tar(tmp_path / "pax.tgz", [(info, b"x")], format=tarfile.PAX_FORMAT)
    refuse(tmp_path, archive, "corrupt_archive", "pack")


@pytest.mark.parametrize("fmt", ["zip", "tar"])
def test_too_many_files_is_refused(fmt, tmp_path):
    names = ["MLmodel"] + [f"code/f{i}.py" for i in range(30)]
    if fmt == "zip":
        archive = raw_zip(tmp_path / "many.zip", [(n, b"x") for n in names])
    else:
        archive = raw_tar(tmp_path / "many.tgz", [(tar_member(n), b"x") for n in names])
    refuse(tmp_path, archive, "too_many_files", "remove", "__pycache__", max_files=10)


def test_missing_mlmodel_is_refused(mlflow_model_factory, tmp_path):
    src = tmp_path / "src"
    import shutil

    shutil.copytree(mlflow_model_factory("sklearn_skops"), src)
    (src / "MLmodel").unlink()
    refuse(tmp_path, zip_dir(src, tmp_path / "no-mlmodel.zip"), "missing_mlmodel", "save_model", "zip -r")


def test_mlmodel_too_deep_is_refused(mlflow_model_factory, tmp_path):
    archive = zip_dir(mlflow_model_factory("sklearn_skops"), tmp_path / "deep.zip", prefix="outer/inner/")
    err = refuse(tmp_path, archive, "missing_mlmodel", "pack the model folder itself")
    assert "outer/inner/MLmodel" in err.message


def test_two_top_level_folders_is_refused(tmp_path):
    archive = raw_zip(tmp_path / "two.zip", [("a/MLmodel", b"x"), ("b/MLmodel", b"x")])
    refuse(tmp_path, archive, "missing_mlmodel", "save_model")


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), "这是一个文本文件，不是模型。\n".encode() * 20, b"", gzip.compress(b"a,b\n1,2\n" * 100)],
    ids=["random", "text", "empty", "gzipped-csv"],
)
def test_non_archives_are_refused(content, tmp_path):
    path = tmp_path / "model.zip"  # a misleading name changes nothing
    path.write_bytes(content)
    refuse(tmp_path, path, "not_an_archive", ".zip or .tar.gz", "zip -r")


def test_truncated_archive_is_refused(mlflow_model_factory, tmp_path):
    archive = tar_dir(mlflow_model_factory("sklearn_skops"), tmp_path / "m.tgz")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refuse(tmp_path, archive, "corrupt_archive", "re-upload")


@pytest.mark.parametrize(
    "kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE], ids=["char-device", "block-device", "fifo"]
)
def test_tar_special_files_are_refused(kind, tmp_path):
    device = tar_member("m/dev", kind)
    device.devmajor, device.devminor = 1, 3
    archive = raw_tar(tmp_path / "dev.tgz", [(tar_member("m/MLmodel"), b"x"), (device, None)])
    refuse(tmp_path, archive, "special_file", "remove it")


def test_zip_fifo_is_refused(tmp_path):
    fifo = zipfile.ZipInfo("pipe")
    fifo.create_system = 3
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    archive = raw_zip(tmp_path / "fifo.zip", [("MLmodel", b"x"), (fifo, b"")])
    refuse(tmp_path, archive, "special_file", "remove it")


def test_encrypted_zip_is_refused(tmp_path):
    archive = raw_zip(tmp_path / "enc.zip", [("MLmodel", b"flavors: {}")])
    data = bytearray(archive.read_bytes())
    # Set the "encrypted" bit of the general-purpose flags in both headers, as `zip -e` does.
    data[6] |= 0x1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    archive.write_bytes(bytes(data))
    refuse(tmp_path, archive, "encrypted_zip", "without a password")


def test_duplicate_entries_are_refused(tmp_path):
    archive = raw_tar(tmp_path / "dup.tgz", [(tar_member("MLmodel"), b"one"), (tar_member("MLmodel"), b"two")])
    refuse(tmp_path, archive, "duplicate_entry", "pack the model folder again")


def test_file_where_a_folder_is_needed_is_refused(tmp_path):
    archive = raw_zip(tmp_path / "clash.zip", [("MLmodel", b"x"), ("code", b"file"), ("code/x.py", b"x")])
    refuse(tmp_path, archive, "duplicate_entry")


def test_destination_must_be_empty(tmp_path):
    archive = raw_zip(tmp_path / "ok.zip", [("MLmodel", b"flavors: {}")])
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(ValueError):
        safe_extract(archive_path=archive, dest=dest)
    assert (dest / "keep.txt").read_text() == "mine"


def test_refusal_empties_an_existing_empty_destination(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = raw_zip(tmp_path / "slip.zip", [("MLmodel", b"x"), ("ok/file.txt", b"x"), ("../evil", b"x")])
    with pytest.raises(IntakeError):
        safe_extract(archive_path=archive, dest=dest)
    assert dest.is_dir() and list(dest.iterdir()) == []
