"""Unpack a team's model archive (.zip, .tar, .tar.gz/.tgz, also .tar.bz2/.tar.xz) without trusting it.

The format is sniffed from the content, never from the file name. Hostile archives are refused with
a stable code (see errors.py) and nothing is ever written outside `dest`:

- every member name is checked (absolute, `..`, NUL, length) before anything is created;
- files are created with O_EXCL | O_NOFOLLOW below folders verified (lstat) to be real folders, so
  nothing is ever written through a link or over an earlier member;
- links are created last, after every file, and each must resolve (realpath, which follows chains
  of links) inside `dest`, and to a file: links to folders and loops of links are refused;
  hard links become copies of an earlier regular member;
- devices, FIFOs and sockets are refused; so are encrypted zips;
- sizes: a zip's declared sizes are summed before extracting, and the bytes actually written are
  counted while streaming (declared sizes can lie), aborting past `max_total_bytes`. For tars, the
  decompressed stream itself is bounded, and the pax/GNU long-name headers that tarfile would read
  whole into memory are capped.

On any refusal the partly extracted tree is removed.
"""

from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import lzma
import os
import posixpath
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from dabiwu.submissions.errors import BilingualIntakeError, IntakeError

CHUNK = 1024 * 1024
MAX_NAME_BYTES = 1024
MAX_COMPONENT_BYTES = 255
MAX_LINK_TARGET_BYTES = 1024
# A pax or GNU long-name header body; real ones are a few hundred bytes.
MAX_TAR_META_BYTES = 64 * 1024
# Finder's resource-fork folder in zips made on macOS: skipped, never extracted.
SKIPPED_TOP_LEVEL = {"__MACOSX"}
IGNORED_TOP_LEVEL = {".DS_Store"}

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_COMPRESSIONS = {b"\x1f\x8b": "gz", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_AES = 99
_DRIVE = re.compile(r"^[A-Za-z]:")
_DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)

HOW_TO_PACK = (
    "pack the folder that mlflow's save_model wrote, e.g. `tar czf model.tar.gz -C <parent> <model_folder>` "
    "or `cd <model_folder> && zip -r ../model.zip .`"
)
HOW_TO_PACK_ZH = (
    "请打包 mlflow 的 save_model 写出的文件夹，例如 `tar czf model.tar.gz -C <上级目录> <模型文件夹>` "
    "或 `cd <模型文件夹> && zip -r ../model.zip .`"
)
_WHY_ZH = {
    "has an empty or malformed target": "的目标为空或格式有误",
    "points to an absolute path": "指向绝对路径",
    "points outside the model folder": "指向模型文件夹之外",
    "is a hard link to something that is not a file earlier in the archive": "是硬链接，但指向的不是压缩包中前面出现的文件",
    "resolves outside the model folder": "解析后位于模型文件夹之外",
}
_KIND_ZH = {"character device": "字符设备", "block device": "块设备", "FIFO": "命名管道（FIFO）", "socket": "套接字"}


def safe_extract(
    *, archive_path: Path, dest: Path, max_files: int = 2000, max_total_bytes: int = 2 * 1024**3
) -> Path:
    """Extract into `dest` (absent or empty) and return the model root: the folder holding MLmodel."""
    dest = Path(dest)
    created = not dest.exists()
    if not created and any(dest.iterdir()):
        raise ValueError(f"safe_extract needs an empty destination, and {dest} is not empty.")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        kind = _sniff(Path(archive_path))
        tree = _Tree(dest.resolve(), max_files=max_files, max_total_bytes=max_total_bytes)
        if kind == "zip":
            _extract_zip(Path(archive_path), tree)
        else:
            _extract_tar(Path(archive_path), kind, tree)
        tree.create_links()
        return _model_root(tree.root)
    except BaseException:
        _wipe(dest, remove_dest=created)
        raise


def _wipe(dest: Path, *, remove_dest: bool) -> None:
    if remove_dest:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for child in dest.iterdir():  # rmtree and unlink never follow links
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _sniff(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    for magic, kind in _COMPRESSIONS.items():
        if head.startswith(magic):
            return kind
    return "tar"  # or nothing at all: tarfile's header checksum decides


def _not_an_archive(detail: str) -> IntakeError:
    return IntakeError(
        "not_an_archive",
        f"The upload is not a model archive ({detail}). Upload a .zip or .tar.gz of your MLflow model folder: "
        f"{HOW_TO_PACK}.",
        f"上传的文件不是模型压缩包（{detail}）。请上传 MLflow 模型文件夹的 .zip 或 .tar.gz：{HOW_TO_PACK_ZH}。",
    )


def _corrupt(detail: str) -> IntakeError:
    return IntakeError(
        "corrupt_archive",
        f"The archive is damaged or truncated ({detail}). Pack the model folder again and re-upload it: {HOW_TO_PACK}.",
        f"压缩包已损坏或不完整（{detail}）。请重新打包模型文件夹后再上传：{HOW_TO_PACK_ZH}。",
    )


class _Tree:
    """The destination being filled: names checked, limits counted, links deferred."""

    def __init__(self, root: Path, *, max_files: int, max_total_bytes: int) -> None:
        self.root = root
        self.max_files = max_files
        self.max_total_bytes = max_total_bytes
        self.entries = 0
        self.written = 0
        self.declared = 0
        self.regular: dict[str, Path] = {}
        self.links: list[tuple[tuple[str, ...], str]] = []

    # -- names and limits --------------------------------------------------------------------

    def count_entry(self) -> None:
        self.entries += 1
        if self.entries > self.max_files:
            raise _too_many_files(self.max_files)

    def declare(self, size: int, name: str) -> None:
        self.declared += max(0, size)
        if self.declared > self.max_total_bytes:
            raise _too_large(self.max_total_bytes, name)

    def parts(self, raw: str) -> tuple[str, ...] | None:
        """The member's path components, or None for entries to skip (the root itself, __MACOSX)."""
        if "\x00" in raw:
            raise IntakeError(
                "invalid_name",
                f"The archive member {raw.split(chr(0))[0]!r}... has a NUL character in its name; rename it and "
                "pack the model folder again.",
                f"压缩包中的文件 {raw.split(chr(0))[0]!r}... 的名称含有 NUL 字符：请重命名后重新打包模型文件夹。",
            )
        name = raw.replace("\\", "/")
        if name.startswith("/") or _DRIVE.match(name):
            raise IntakeError(
                "absolute_path",
                f"The archive member {raw!r} has an absolute path. Archive paths must be relative to the model "
                f"folder: {HOW_TO_PACK}.",
                f"压缩包中的文件 {raw!r} 使用了绝对路径。压缩包内的路径必须相对于模型文件夹：{HOW_TO_PACK_ZH}。",
            )
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            raise IntakeError(
                "path_traversal",
                f"The archive member {raw!r} climbs out of the archive with '..'. Archive paths must stay inside "
                f"the model folder: {HOW_TO_PACK}.",
                f"压缩包中的文件 {raw!r} 用 '..' 跳出了压缩包。压缩包内的路径必须留在模型文件夹之内：{HOW_TO_PACK_ZH}。",
            )
        if len(name.encode()) > MAX_NAME_BYTES or any(len(p.encode()) > MAX_COMPONENT_BYTES for p in parts):
            raise IntakeError(
                "path_too_long",
                f"The archive member {raw[:100]!r}... has a path longer than {MAX_NAME_BYTES} bytes (or a name "
                f"longer than {MAX_COMPONENT_BYTES}); shorten it and pack the model folder again.",
                f"压缩包中的文件 {raw[:100]!r}... 的路径超过 {MAX_NAME_BYTES} 字节（或某一级名称超过 "
                f"{MAX_COMPONENT_BYTES} 字节）：请缩短后重新打包模型文件夹。",
            )
        if not parts or parts[0] in SKIPPED_TOP_LEVEL:
            return None
        return parts

    # -- creating things ---------------------------------------------------------------------

    def folder(self, parts: tuple[str, ...]) -> Path:
        """Make (or reuse) each folder, refusing anything in the way that is not a real folder."""
        current = self.root
        for i, part in enumerate(parts):
            current = current / part
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                os.mkdir(current, 0o755)
                continue
            if not stat.S_ISDIR(st.st_mode):
                raise _conflict("/".join(parts[: i + 1]))
        return current

    def write_file(self, parts: tuple[str, ...], source: BinaryIO) -> None:
        path = self.folder(parts[:-1]) / parts[-1]
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except FileExistsError as e:
            raise _conflict("/".join(parts)) from e
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                self.written += len(chunk)
                if self.written > self.max_total_bytes:
                    raise _too_large(self.max_total_bytes, "/".join(parts))
                out.write(chunk)
        self.regular["/".join(parts)] = path

    def add_symlink(self, parts: tuple[str, ...], target: str) -> None:
        where = "/".join(parts)
        if not target or "\x00" in target or len(target.encode()) > MAX_LINK_TARGET_BYTES:
            raise _escaping(where, target, "has an empty or malformed target")
        if target.startswith("/") or _DRIVE.match(target):
            raise _escaping(where, target, "points to an absolute path")
        resolved = posixpath.normpath(posixpath.join(*parts[:-1], target) if len(parts) > 1 else target)
        if resolved == ".." or resolved.startswith("../"):
            raise _escaping(where, target, "points outside the model folder")
        self.links.append((parts, target))

    def add_hardlink(self, parts: tuple[str, ...], raw_target: str) -> None:
        where = "/".join(parts)
        try:
            target_parts = self.parts(raw_target)
        except IntakeError as e:
            raise _escaping(where, raw_target, "points outside the model folder") from e
        source = self.regular.get("/".join(target_parts or ()))
        if source is None:
            raise _escaping(where, raw_target, "is a hard link to something that is not a file earlier in the archive")
        # A copy, not a second name for the inode: the tree then holds only independent files.
        with source.open("rb") as f:
            self.write_file(parts, f)

    def create_links(self) -> None:
        for parts, target in self.links:
            path = self.folder(parts[:-1]) / parts[-1]
            try:
                os.symlink(target, path)
            except FileExistsError as e:
                raise _conflict("/".join(parts)) from e
        # Checked only now, with every link in place: realpath follows chains of links that a
        # lexical check of each target alone would miss (e.g. `s -> .` then `t -> s/s/../..`).
        root = str(self.root)
        for parts, target in self.links:
            real = os.path.realpath(self.root.joinpath(*parts))
            if real != root and not real.startswith(root + os.sep):
                raise _escaping("/".join(parts), target, "resolves outside the model folder")
        # A link to a folder (`a -> .`) or a loop of links (`a -> b`, `b -> a`) turns every walk or
        # copy that follows links into an endless one (issue #14: promotion copied `a -> .`, `b -> .`
        # forever). MLflow never writes either; links to files inside the folder stay allowed.
        for parts, target in self.links:
            try:
                st = os.stat(self.root.joinpath(*parts))  # follows the link, and chains of links
            except FileNotFoundError:
                continue  # dangling: harmless to walks, and never followed by a copy
            except OSError as e:
                if e.errno == errno.ELOOP:
                    raise _link_refused("/".join(parts), target, "loop") from e
                raise
            if stat.S_ISDIR(st.st_mode):
                raise _link_refused("/".join(parts), target, "folder")


def _too_many_files(limit: int) -> IntakeError:
    return IntakeError(
        "too_many_files",
        f"The archive has more than {limit} entries. A model folder needs only MLmodel, the model file(s), the "
        "environment files and your code: remove data, caches (__pycache__, .git, .ipynb_checkpoints) and "
        "virtual environments from it, then pack it again.",
        f"压缩包中的条目超过 {limit} 个。模型文件夹只需要 MLmodel、模型文件、环境文件和您的代码：请删除其中的数据、"
        "缓存（__pycache__、.git、.ipynb_checkpoints）和虚拟环境，然后重新打包。",
    )


def _too_large(limit: int, name: str) -> IntakeError:
    return IntakeError(
        "too_large_expanded",
        f"The archive expands to more than {limit // (1024 * 1024)} MB (reached at {name!r}). Remove training data "
        "and caches from the model folder, or use a smaller model, then pack it again.",
        f"压缩包解压后超过 {limit // (1024 * 1024)} MB（在 {name!r} 处超出）。请从模型文件夹中删除训练数据和缓存，"
        "或使用更小的模型，然后重新打包。",
    )


def _conflict(name: str) -> IntakeError:
    return IntakeError(
        "duplicate_entry",
        f"The archive has two entries for {name!r} (or a file where a folder is needed). Pack the model folder "
        f"again from a clean copy: {HOW_TO_PACK}.",
        f"压缩包中 {name!r} 出现了两次（或在需要文件夹的位置放了文件）。请从一份干净的副本重新打包模型文件夹：{HOW_TO_PACK_ZH}。",
    )


def _escaping(name: str, target: str, why: str) -> IntakeError:
    return IntakeError(
        "escaping_link",
        f"The archive member {name!r} is a link that {why} ({target!r}). Links must stay inside the model folder: "
        "replace the link with the file it points to (e.g. `tar czhf`, or `zip -r` without -y) and pack it again.",
        f"压缩包中的 {name!r} 是链接，{_WHY_ZH.get(why, why)}（{target!r}）。链接必须留在模型文件夹之内："
        "请用它指向的文件替换该链接（例如 `tar czhf`，或不带 -y 的 `zip -r`）后重新打包。",
    )


def _link_refused(name: str, target: str, kind: str) -> IntakeError:
    if kind == "loop":
        return BilingualIntakeError(
            "link_loop",
            f"The archive member {name!r} is a link ({target!r}) that ends in a loop of links. Replace the links "
            f"with the files they point to (e.g. `tar czhf`, or `zip -r` without -y) and pack it again.",
            f"压缩包中的 {name!r} 是一个链接（{target!r}），链接之间构成了循环。请用链接指向的文件替换这些链接"
            "（例如 `tar czhf`，或不带 -y 的 `zip -r`）后重新打包。",
        )
    return BilingualIntakeError(
        "link_to_folder",
        f"The archive member {name!r} is a link to a folder ({target!r}). Links to folders are not accepted (they "
        f"can make the model folder endless): replace the link with the folder's files (e.g. `tar czhf`, or "
        f"`zip -r` without -y) and pack it again.",
        f"压缩包中的 {name!r} 是指向文件夹的链接（{target!r}）。平台不接受指向文件夹的链接（可能使模型文件夹无限嵌套）："
        "请用该文件夹中的文件替换链接（例如 `tar czhf`，或不带 -y 的 `zip -r`）后重新打包。",
    )


def _special(name: str, kind: str) -> IntakeError:
    return IntakeError(
        "special_file",
        f"The archive member {name!r} is a {kind}, not a regular file or folder. Remove it from the model folder "
        "and pack it again.",
        f"压缩包中的 {name!r} 是{_KIND_ZH.get(kind, kind)}，不是普通文件或文件夹。请从模型文件夹中删除它后重新打包。",
    )


# -- zip ------------------------------------------------------------------------------------


def _extract_zip(path: Path, tree: _Tree) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise _corrupt(f"the zip directory cannot be read: {e}") from e
    with zf:
        infos = zf.infolist()
        # Everything that can be judged from the central directory is judged before writing anything.
        if len(infos) > tree.max_files:
            raise _too_many_files(tree.max_files)
        for info in infos:
            if info.flag_bits & 0x1 or info.compress_type == _ZIP_AES:
                raise IntakeError(
                    "encrypted_zip",
                    f"The zip member {info.filename!r} is password-protected. The platform cannot open encrypted "
                    "archives: zip the model folder again without a password (no -e / -P).",
                    f"压缩包中的文件 {info.filename!r} 设置了密码。平台无法打开加密的压缩包：请不设密码重新压缩模型文件夹"
                    "（不要用 -e / -P）。",
                )
            if info.compress_type not in _ZIP_METHODS:
                raise IntakeError(
                    "unsupported_compression",
                    f"The zip member {info.filename!r} uses compression method {info.compress_type}, which the "
                    "platform cannot read. Zip the model folder with standard deflate (`zip -r`), or upload a "
                    ".tar.gz instead.",
                    f"压缩包中的文件 {info.filename!r} 使用了平台无法读取的压缩方式 {info.compress_type}。请用标准 deflate "
                    "压缩（`zip -r`），或改为上传 .tar.gz。",
                )
            tree.parts(info.filename)
            tree.declare(info.file_size, info.filename)
        for info in infos:
            _extract_zip_member(zf, info, tree)


def _extract_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tree: _Tree) -> None:
    tree.count_entry()
    parts = tree.parts(info.filename)
    if parts is None:
        return
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    try:
        if kind == stat.S_IFLNK:
            with zf.open(info) as f:
                target = f.read(MAX_LINK_TARGET_BYTES + 1)
            tree.add_symlink(parts, target.decode("utf-8", errors="replace"))
        elif kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
            raise _special(info.filename, _KIND_NAMES[kind])
        elif info.is_dir() or kind == stat.S_IFDIR:
            tree.folder(parts)
        else:
            with zf.open(info) as f:
                tree.write_file(parts, f)
    except (zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError) as e:
        raise _corrupt(f"member {info.filename!r}: {e}") from e
    except NotImplementedError as e:
        raise IntakeError(
            "unsupported_compression",
            f"The zip member {info.filename!r} cannot be decompressed here ({e}). Zip the model folder with standard "
            "deflate (`zip -r`), or upload a .tar.gz instead.",
            f"压缩包中的文件 {info.filename!r} 无法在此解压（{e}）。请用标准 deflate 压缩（`zip -r`），或改为上传 .tar.gz。",
        ) from e


_KIND_NAMES = {stat.S_IFCHR: "character device", stat.S_IFBLK: "block device", stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket"}


# -- tar ------------------------------------------------------------------------------------


class _BoundedReader:
    """The decompressed tar stream, cut off past a byte budget; decompression errors become refusals."""

    def __init__(self, stream: BinaryIO, *, limit: int, max_total_bytes: int) -> None:
        self._stream = stream
        self._left = limit
        self._max_total_bytes = max_total_bytes

    def read(self, n: int = -1) -> bytes:
        if n < 0 or n > CHUNK:
            n = CHUNK
        try:
            data = self._stream.read(n)
        except _DECOMPRESSION_ERRORS as e:
            raise _corrupt(f"decompression failed: {e}") from e
        self._left -= len(data)
        if self._left < 0:
            raise _too_large(self._max_total_bytes, "the tar stream")
        return data


class _SafeTarInfo(tarfile.TarInfo):
    """tarfile reads pax and GNU long-name bodies whole into memory: cap them first."""

    _META_TYPES = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                   tarfile.SOLARIS_XHDTYPE)

    def _proc_member(self, tarfile_obj):  # type: ignore[override]
        if self.type in self._META_TYPES and self.size > MAX_TAR_META_BYTES:
            raise _corrupt(f"a tar metadata header of {self.size} bytes, where real ones take a few hundred")
        return super()._proc_member(tarfile_obj)


def _extract_tar(path: Path, compression: str, tree: _Tree) -> None:
    # Headers, padding and metadata on top of the file bytes themselves.
    budget = tree.max_total_bytes + 10 * 1024 * 1024 + tree.max_files * 8 * 1024
    with path.open("rb") as raw, _decompressor(raw, compression) as plain:
        stream = _BoundedReader(plain, limit=budget, max_total_bytes=tree.max_total_bytes)
        try:
            # Stream mode ("r|"): one pass, members handled as they arrive, no seeking back.
            tf = tarfile.open(fileobj=stream, mode="r|", tarinfo=_SafeTarInfo)  # type: ignore[arg-type]
        except tarfile.TarError as e:
            if compression == "tar":
                raise _not_an_archive("it is neither a zip nor a tar file") from e
            raise _not_an_archive(f"it is {compression}-compressed but holds no tar archive") from e
        with tf:
            try:
                for member in tf:
                    _extract_tar_member(tf, member, tree)
            except tarfile.TarError as e:
                raise _corrupt(str(e)) from e


@contextlib.contextmanager
def _decompressor(raw: BinaryIO, compression: str):
    if compression == "gz":
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    elif compression == "bz2":
        stream = bz2.BZ2File(raw, mode="rb")  # type: ignore[assignment]
    elif compression == "xz":
        stream = lzma.LZMAFile(raw, mode="rb")  # type: ignore[assignment]
    else:
        yield raw
        return
    with stream:
        yield stream


def _extract_tar_member(tf: tarfile.TarFile, member: tarfile.TarInfo, tree: _Tree) -> None:
    tree.count_entry()
    parts = tree.parts(member.name)
    if parts is None:
        return
    if member.isdir():
        tree.folder(parts)
    elif member.isreg():
        tree.declare(member.size, member.name)
        source = tf.extractfile(member)
        assert source is not None
        tree.write_file(parts, source)  # type: ignore[arg-type]
    elif member.issym():
        tree.add_symlink(parts, member.linkname)
    elif member.islnk():
        tree.add_hardlink(parts, member.linkname)
    elif member.ischr():
        raise _special(member.name, "character device")
    elif member.isblk():
        raise _special(member.name, "block device")
    elif member.isfifo():
        raise _special(member.name, "FIFO")
    else:
        raise _special(member.name, f"tar entry of type {member.type!r}")


# -- the model root -------------------------------------------------------------------------


def _model_root(root: Path) -> Path:
    if (root / "MLmodel").is_file():
        return root
    entries = sorted(p for p in root.iterdir() if p.name not in IGNORED_TOP_LEVEL)
    folders = [p for p in entries if p.is_dir() and not p.is_symlink()]
    if len(entries) == 1 and folders and (folders[0] / "MLmodel").is_file():
        return folders[0]
    deeper = _find_mlmodel(root)
    if deeper is not None:
        where = deeper.relative_to(root).as_posix()
        raise IntakeError(
            "missing_mlmodel",
            f"The archive's MLmodel file is at {where!r}, too deep: it must be at the top of the archive or in a "
            f"single top-level folder. Pack the model folder itself: {HOW_TO_PACK}.",
            f"压缩包中的 MLmodel 文件位于 {where!r}，层级太深：它必须位于压缩包顶层，或唯一的顶层文件夹中。"
            f"请直接打包模型文件夹本身：{HOW_TO_PACK_ZH}。",
        )
    found = ", ".join(p.name for p in entries[:8]) or "nothing"
    raise IntakeError(
        "missing_mlmodel",
        f"The archive has no MLmodel file (top level holds: {found}). Upload the folder written by mlflow's "
        f"save_model (e.g. mlflow.sklearn.save_model(model, 'model')), which contains MLmodel: {HOW_TO_PACK}.",
        f"压缩包中没有 MLmodel 文件（顶层内容：{found}）。请上传 mlflow 的 save_model 写出的、含有 MLmodel 的文件夹"
        f"（例如 mlflow.sklearn.save_model(model, 'model')）：{HOW_TO_PACK_ZH}。",
    )


def _find_mlmodel(root: Path, max_depth: int = 4) -> Path | None:
    for dirpath, dirnames, filenames in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        if "MLmodel" in filenames:
            return Path(dirpath) / "MLmodel"
        if depth >= max_depth:
            dirnames[:] = []
        dirnames.sort()
    return None
