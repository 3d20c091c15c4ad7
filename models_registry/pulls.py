"""Pulls: the model folder checksum, the pull log, and the child process the CLI fetches through.

The checksum (`model_sha256` tag of every listed version) is the sha256 of the folder's manifest:
one line per regular file, `<sha256 of the file>  <path relative to the folder, '/'-separated>\\n`,
lines sorted by path (byte order); symbolic links are not followed and not listed (as with
`find -type f`), so a link loop planted in a folder cannot make the walk endless.  It is `sha256sum`'s own output format,
so a district can check it without dabiwu:

    cd MODEL_DIR && find . -type f ! -path ./registered_model_meta -printf '%P\\0' \\
        | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum

`registered_model_meta` at the top of the folder is left out: the stock client writes it there
when it downloads a `models:/` URI, so it is not part of what was promoted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dabiwu.registry_port import ModelPull, User

DOWNLOAD_MARKER = "registered_model_meta"
CHUNK = 1024 * 1024


def folder_manifest(root: Path) -> str:
    root = Path(root)
    lines = []
    for dirpath, _dirnames, filenames in os.walk(root):  # never follows links to folders
        for name in filenames:
            path = Path(dirpath) / name
            relative = path.relative_to(root).as_posix()
            if relative == DOWNLOAD_MARKER or path.is_symlink() or not path.is_file():
                continue
            lines.append((relative.encode("utf-8"), f"{_file_sha256(path)}  {relative}\n"))
    return "".join(line for _, line in sorted(lines))


def folder_sha256(root: Path) -> str:
    return hashlib.sha256(folder_manifest(root).encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def record_pull(session: Session, *, user: User, registered_model: str, version: int, via: str) -> ModelPull:
    # Imported here: `python -m models_registry.pulls` (the CLI's download child) needs only the stock client.
    from sqlalchemy import select

    from dabiwu.registry_port import ModelPull, RegistryListing

    listing = session.scalar(
        select(RegistryListing).where(
            RegistryListing.registered_model == registered_model, RegistryListing.version == version
        )
    )
    pull = ModelPull(
        listing_id=listing.id if listing else None,
        district_id=user.district_id,
        user_id=user.id,
        registered_model=registered_model,
        version=version,
        via=via,
    )
    session.add(pull)
    session.flush()
    return pull


def fetch_in_this_process(uri: str, out: Path) -> dict:
    """Download a `models:/NAME@ALIAS` or `models:/NAME/VERSION` folder with the stock client.

    Run in a child process (`python -m models_registry.pulls URI OUT`) whose environment carries
    MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN, so the caller's own environment is untouched."""
    import mlflow
    from mlflow import MlflowClient

    name, _, ref = uri.removeprefix("models:/").partition("@")
    client = MlflowClient()
    if ref:
        version = client.get_model_version_by_alias(name, ref)
    else:
        name, _, number = uri.removeprefix("models:/").partition("/")
        version = client.get_model_version(name, number)
    path = mlflow.artifacts.download_artifacts(
        artifact_uri=f"models:/{name}/{version.version}", dst_path=str(out)
    )
    return {"name": name, "version": int(version.version), "path": path, "tags": dict(version.tags)}


if __name__ == "__main__":
    try:
        result = fetch_in_this_process(sys.argv[1], Path(sys.argv[2]))
    except Exception as exc:  # the parent prints this sentence; a traceback helps nobody here
        print(json.dumps({"error": str(exc)}))
        sys.exit(1)
    print(json.dumps(result))
