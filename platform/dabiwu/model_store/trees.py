"""Store a validated model folder once, by content; write it back for scoring and promotion.

Why files by content and a manifest hash, not the archive's sha256: the same model zipped twice (or once as
.zip, once as .tar.gz) has two archive hashes but one tree. The tree id is the sha256 of the folder's
canonical manifest, `sha256sum` format (`<file sha256>  <path>\\n`, lines sorted by path bytes): the very
checksum the registry shows for a promoted version (models_registry.pulls.folder_sha256), so a district can
check it with coreutils. Each distinct file content is one object (`model-blobs/sha256/<aa>/<hex>`, keyed by
the sha256 of the file itself), so two trees that share a 100 MB weights file share its bytes too. Objects are
gzip-compressed (mtime 0, so identical files give identical objects): the models of the bundles are sklearn
pipelines saved with skops, whose files are ~20x larger than the team's .tar.gz (benchmarks/RESULTS.md
"Storage"); stored raw, a tree would cost more than the archive it replaced.

Written back, the tree is still untrusted bytes: the file list is bounded (files, bytes, path shape) before
anything is fetched, every file is created with O_EXCL | O_NOFOLLOW below folders made here, and each blob's
bytes are counted and hashed as they stream and must match the row.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import ModelBlob, ModelTree, ModelTreeFile, Submission
from dabiwu.errors import DabiwuError
from dabiwu.storage import ObjectNotFound, ObjectStore

CHUNK = 1024 * 1024
BLOB_PREFIX = "model-blobs/sha256/"
MAX_PATH_BYTES = 1024


@dataclass(frozen=True)
class TreeFile:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class TreeRef:
    sha256: str
    files: tuple[TreeFile, ...]

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


class TreeUnusable(DabiwuError):
    """The stored tree cannot be written back: over a limit, a bad path, or a blob missing or altered."""

    status = 409


def blob_key(sha256: str) -> str:
    return f"{BLOB_PREFIX}{sha256[:2]}/{sha256}"


def manifest_text(files: tuple[TreeFile, ...] | list[TreeFile]) -> str:
    ordered = sorted(files, key=lambda f: f.path.encode("utf-8"))
    return "".join(f"{f.sha256}  {f.path}\n" for f in ordered)


def tree_of(folder: Path) -> TreeRef:
    """The manifest of a folder of plain files (as tree_copy.copy_model_tree leaves it: no links)."""
    files = []
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            sha, size = _file_sha256(path)
            files.append(TreeFile(path=path.relative_to(folder).as_posix(), sha256=sha, size=size))
    ordered = tuple(sorted(files, key=lambda f: f.path.encode("utf-8")))
    return TreeRef(sha256=hashlib.sha256(manifest_text(ordered).encode("utf-8")).hexdigest(), files=ordered)


def _file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _upsert(session: Session, model, rows: list[dict], *, key: str, touch: dict | None):
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model).values(rows)
    if touch:
        return session.execute(statement.on_conflict_do_update(index_elements=[key], set_=touch))
    return session.execute(statement.on_conflict_do_nothing())


def pack(tree: TreeRef, folder: Path, workdir: Path) -> dict[str, Path]:
    """Each distinct file gzip-compressed into `workdir` (deterministic: mtime 0, no name): sha256 -> path."""
    workdir.mkdir(parents=True, exist_ok=True)
    packed: dict[str, Path] = {}
    for f in tree.files:
        if f.sha256 in packed:
            continue
        target = workdir / f"{f.sha256}.gz"
        with open(folder / f.path, "rb") as src, open(target, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        packed[f.sha256] = target
    return packed


def touch(session: Session, tree: TreeRef, packed: dict[str, Path] | None = None, *, now: datetime | None = None) -> None:
    """Claim the tree's rows for an upload in flight (commit right after): gc leaves rows touched within its grace."""
    now = now or utcnow()
    blobs = {f.sha256: f.size for f in tree.files}
    if blobs:
        rows = [{"sha256": s, "size": n, "touched_at": now,
                 "stored_size": packed[s].stat().st_size if packed and s in packed else n}
                for s, n in sorted(blobs.items())]
        _upsert(session, ModelBlob, rows, key="sha256", touch={"touched_at": now})
    _upsert(session, ModelTree, [{"sha256": tree.sha256, "files": len(tree.files), "bytes": tree.bytes,
                                  "touched_at": now}], key="sha256", touch={"touched_at": now})


def put_blobs(store: ObjectStore, packed: dict[str, Path]) -> int:
    """Store each distinct file once (as `pack` made it); returns the bytes actually written (0: all were there)."""
    written = 0
    for sha256, path in sorted(packed.items()):
        key = blob_key(sha256)
        if store.exists(key):
            continue
        written += store.put_file(key, path).size
    return written


def link(session: Session, tree: TreeRef) -> None:
    """The tree's file rows (idempotent); in the same transaction as the submission that names the tree."""
    touch(session, tree)
    if tree.files:
        _upsert(session, ModelTreeFile, [{"tree_sha256": tree.sha256, "path": f.path, "blob_sha256": f.sha256,
                                          "size": f.size} for f in tree.files], key="", touch=None)


def files_of(session: Session, tree_sha256: str, *, max_files: int) -> tuple[TreeFile, ...]:
    rows = session.execute(
        select(ModelTreeFile.path, ModelTreeFile.blob_sha256, ModelTreeFile.size)
        .where(ModelTreeFile.tree_sha256 == tree_sha256).order_by(ModelTreeFile.path).limit(max_files + 1)
    ).all()
    return tuple(TreeFile(path=p, sha256=s, size=n) for p, s, n in rows)


def model_expired(submission: Submission) -> DabiwuError:
    when = submission.model_expired_at.strftime("%Y-%m-%d") if submission.model_expired_at else "?"
    return DabiwuError(
        f"The model files of submission {submission.id} were removed on {when} by the challenge's storage "
        "retention policy (it was not a final, promoted or best submission). Its scores and predictions are kept; "
        "to use the model again, upload it anew.",
        f"提交 {submission.id} 的模型文件已于 {when} 按赛题的存储保留策略删除（它不是最终、已上架或最佳提交）。"
        "其分数和预测结果仍然保留；如需再次使用该模型，请重新上传。",
        code="model_expired", status=410,
    )


def write_tree(store: ObjectStore, files: tuple[TreeFile, ...], dest: Path, *, max_files: int, max_bytes: int) -> Path:
    """Write the files into `dest` (created; must not exist), bounded and verified. Returns dest."""
    if not files:
        raise _unusable("has no files", "没有文件")
    if len(files) > max_files:
        raise _unusable(f"has more than {max_files} files", f"超过 {max_files} 个文件")
    if sum(f.size for f in files) > max_bytes:
        raise _unusable(f"is larger than {max_bytes // (1024 * 1024)} MB", f"超过 {max_bytes // (1024 * 1024)} MB")
    dest = Path(dest)
    os.mkdir(dest, 0o755)
    for f in files:
        parts = _checked_parts(f.path)
        folder = dest
        for part in parts[:-1]:
            folder = folder / part
            try:
                os.mkdir(folder, 0o755)
            except FileExistsError:
                if not folder.is_dir() or folder.is_symlink():
                    raise _unusable(f"names {f.path!r} below a file", f"在文件之下包含 {f.path!r}") from None
        _write_blob(store, f, folder / parts[-1])
    return dest


def _checked_parts(path: str) -> list[str]:
    parts = path.split("/")
    if (not path or "\x00" in path or "\\" in path or path.startswith("/") or len(path.encode()) > MAX_PATH_BYTES
            or any(p in ("", ".", "..") for p in parts)):
        raise _unusable(f"names an unsafe path {path[:80]!r}", f"包含不安全的路径 {path[:80]!r}")
    return parts


def _write_blob(store: ObjectStore, f: TreeFile, target: Path) -> None:
    """Inflate one object into `target`: output bounded by the row's size as it streams, then hash-checked."""
    digest, size = hashlib.sha256(), 0
    try:
        source = store.open(blob_key(f.sha256))
    except ObjectNotFound:
        raise _unusable(f"is missing the file {f.path!r} in the object store", f"在对象存储中缺少文件 {f.path!r}") from None
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with source, os.fdopen(fd, "wb") as out:
            while not inflate.eof:
                if inflate.unconsumed_tail:
                    data = inflate.decompress(inflate.unconsumed_tail, CHUNK)
                elif raw := source.read(CHUNK):
                    data = inflate.decompress(raw, CHUNK)
                else:
                    break  # truncated: caught by the size and hash check below
                size += len(data)
                if size > f.size:
                    break
                digest.update(data)
                out.write(data)
    except zlib.error:
        size = -1
    if size != f.size or digest.hexdigest() != f.sha256:
        raise _unusable(f"has a file {f.path!r} whose stored bytes do not match its sha256",
                        f"的文件 {f.path!r} 的存储内容与其 sha256 不符")


def _unusable(why_en: str, why_zh: str) -> TreeUnusable:
    return TreeUnusable(f"The stored model folder {why_en}; it cannot be used. Upload the model again.",
                        f"已保存的模型文件夹{why_zh}，无法使用。请重新上传模型。", code="model_tree_unusable")
