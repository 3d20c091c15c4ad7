"""Copy a submitted model folder without trusting it: regular files only, bounded, never looping.

`shutil.copytree(symlinks=False)` follows links to folders: a folder holding `a -> .` and `b -> .`
is copied as a/, b/, a/a/, a/b/, ... for ever (issue #14: promotion filled scratch at ~250 MB/s and
never answered). Here nothing is followed but a link to a regular file inside the folder, which is
copied as a file (so that what the registry holds is what was hashed); a link to a folder, a loop,
a dangling or escaping link, a device or a FIFO stops the copy with a clear refusal. Files and
bytes are counted as they are written, so a tree that grew after intake cannot fill the disk.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dabiwu.errors import DabiwuError

CHUNK = 1024 * 1024
MAX_DEPTH = 64


class TreeCopyRefused(DabiwuError):
    """The model folder cannot be copied: a link that is not a plain file inside it, or over a limit."""

    status = 409


def copy_model_tree(
    src: Path, dst: Path, *, max_files: int, max_bytes: int, skip_names: frozenset[str] = frozenset({"__pycache__"})
) -> tuple[int, int]:
    """Copy `src` into `dst` (created; must not exist). Returns (files, bytes) copied."""
    src, dst = Path(src), Path(dst)
    root = os.path.realpath(src)
    counts = [0, 0]
    os.mkdir(dst, 0o755)
    _copy_dir(src, dst, root=root, depth=0, counts=counts, max_files=max_files, max_bytes=max_bytes,
              skip_names=skip_names)
    return counts[0], counts[1]


def _copy_dir(src: Path, dst: Path, *, root: str, depth: int, counts: list[int], max_files: int, max_bytes: int,
              skip_names: frozenset[str]) -> None:
    if depth > MAX_DEPTH:
        raise _refused("too_deep", src.relative_to(root) if src.is_relative_to(root) else src,
                       f"is nested more than {MAX_DEPTH} folders deep", f"嵌套超过 {MAX_DEPTH} 层文件夹")
    with os.scandir(src) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name in skip_names:
                continue
            counts[0] += 1
            if counts[0] > max_files:
                raise _refused("too_many_files", entry.path, f"takes the folder past {max_files} files",
                               f"使文件夹超过 {max_files} 个文件")
            st = entry.stat(follow_symlinks=False)
            target = dst / entry.name
            if stat.S_ISLNK(st.st_mode):
                _copy_file(_link_source(entry.path, root=root), target, counts=counts, max_bytes=max_bytes)
            elif stat.S_ISDIR(st.st_mode):
                os.mkdir(target, 0o755)
                _copy_dir(Path(entry.path), target, root=root, depth=depth + 1, counts=counts, max_files=max_files,
                          max_bytes=max_bytes, skip_names=skip_names)
            elif stat.S_ISREG(st.st_mode):
                _copy_file(entry.path, target, counts=counts, max_bytes=max_bytes)
            else:
                raise _refused("special_file", entry.path, "is not a regular file or folder", "不是普通文件或文件夹")


def _link_source(path: str, *, root: str) -> str:
    """The regular file inside `root` that the link at `path` leads to, or a refusal."""
    try:
        real = os.path.realpath(path, strict=True)
        st = os.stat(real)
    except OSError as e:
        raise _refused("link", path, f"is a link that cannot be resolved ({e.strerror}: a loop or a missing target)",
                       f"是无法解析的链接（{e.strerror}：循环链接或目标不存在）") from e
    if real != root and not real.startswith(root + os.sep):
        raise _refused("link", path, "is a link that leads outside the model folder", "是指向模型文件夹之外的链接")
    if not stat.S_ISREG(st.st_mode):
        raise _refused("link", path, "is a link to a folder or to something that is not a file",
                       "是指向文件夹或非普通文件的链接")
    return real


def _copy_file(source: str, target: Path, *, counts: list[int], max_bytes: int) -> None:
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
    fd_in = os.open(source, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd_in).st_mode):
            raise _refused("special_file", source, "is not a regular file", "不是普通文件")
        fd_out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd_out, "wb") as out:
            while chunk := os.read(fd_in, CHUNK):
                counts[1] += len(chunk)
                if counts[1] > max_bytes:
                    raise _refused("too_large", source, f"takes the folder past {max_bytes // (1024 * 1024)} MB",
                                   f"使文件夹超过 {max_bytes // (1024 * 1024)} MB")
                out.write(chunk)
    finally:
        os.close(fd_in)


def _refused(kind: str, where, why_en: str, why_zh: str) -> TreeCopyRefused:
    name = os.path.basename(str(where)) or str(where)
    return TreeCopyRefused(
        f"The model folder cannot be copied: {name!r} {why_en}. Nothing was copied; the model must be "
        "uploaded again as plain files (links to folders and loops of links are refused at upload).",
        f"无法复制模型文件夹：{name!r} {why_zh}。未复制任何内容；请以普通文件重新上传模型（上传时会拒绝指向文件夹的链接和循环链接）。",
        code=f"model_tree_{kind}",
    )
