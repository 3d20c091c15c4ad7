"""A Parquet file whose footer lies, made by hand as a hostile model would (pyarrow never writes one).

The footer is Thrift's compact protocol (parquet-format's FileMetaData). This decodes it into nested
lists of [field id, type, value], lets a test change fields, and encodes it back: enough for the
review's "row bomb", a few kB that declare billions of rows.
"""

from __future__ import annotations

import struct
from pathlib import Path

STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _unzig(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _zig(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _put_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def _read_value(data: bytes, pos: int, kind: int):
    if kind in (TRUE, FALSE):
        return kind == TRUE, pos
    if kind == BYTE:
        return data[pos], pos + 1
    if kind in (I16, I32, I64):
        raw, pos = _varint(data, pos)
        return _unzig(raw), pos
    if kind == DOUBLE:
        return struct.unpack("<d", data[pos:pos + 8])[0], pos + 8
    if kind == BINARY:
        size, pos = _varint(data, pos)
        return data[pos:pos + size], pos + size
    if kind in (LIST, SET):
        header = data[pos]
        pos += 1
        size, elem = header >> 4, header & 0x0F
        if size == 15:
            size, pos = _varint(data, pos)
        items = []
        for _ in range(size):
            if elem in (TRUE, FALSE):
                items.append(data[pos] == 1)
                pos += 1
            else:
                item, pos = _read_value(data, pos, elem)
                items.append(item)
        return (elem, items), pos
    if kind == MAP:
        size, pos = _varint(data, pos)
        if size == 0:
            return (0, 0, []), pos
        types = data[pos]
        pos += 1
        pairs = []
        for _ in range(size):
            key, pos = _read_value(data, pos, types >> 4)
            value, pos = _read_value(data, pos, types & 0x0F)
            pairs.append((key, value))
        return (types >> 4, types & 0x0F, pairs), pos
    if kind == STRUCT:
        return read_struct(data, pos)
    raise ValueError(f"thrift compact type {kind}")


def read_struct(data: bytes, pos: int = 0) -> tuple[list, int]:
    fields, last = [], 0
    while True:
        header = data[pos]
        pos += 1
        if header == STOP:
            return fields, pos
        delta, kind = header >> 4, header & 0x0F
        if delta:
            fid = last + delta
        else:
            raw, pos = _varint(data, pos)
            fid = _unzig(raw)
        value, pos = _read_value(data, pos, kind)
        fields.append([fid, kind, value])
        last = fid


def _write_value(kind: int, value) -> bytes:
    if kind in (TRUE, FALSE):
        return b""
    if kind == BYTE:
        return bytes([value])
    if kind in (I16, I32, I64):
        return _put_varint(_zig(value))
    if kind == DOUBLE:
        return struct.pack("<d", value)
    if kind == BINARY:
        return _put_varint(len(value)) + value
    if kind in (LIST, SET):
        elem, items = value
        head = bytes([(len(items) << 4) | elem]) if len(items) < 15 else bytes([0xF0 | elem]) + _put_varint(len(items))
        body = b"".join(bytes([1 if item else 2]) if elem in (TRUE, FALSE) else _write_value(elem, item)
                        for item in items)
        return head + body
    if kind == MAP:
        key_type, value_type, pairs = value
        if not pairs:
            return b"\x00"
        return (_put_varint(len(pairs)) + bytes([(key_type << 4) | value_type])
                + b"".join(_write_value(key_type, k) + _write_value(value_type, v) for k, v in pairs))
    if kind == STRUCT:
        return write_struct(value)
    raise ValueError(f"thrift compact type {kind}")


def write_struct(fields: list) -> bytes:
    out, last = bytearray(), 0
    for fid, kind, value in fields:
        if kind in (TRUE, FALSE):
            kind = TRUE if value else FALSE
        delta = fid - last
        if 0 < delta <= 15:
            out.append((delta << 4) | kind)
        else:
            out.append(kind)
            out += _put_varint(_zig(fid))
        out += _write_value(kind, value)
        last = fid
    out.append(STOP)
    return bytes(out)


def field(fields: list, fid: int) -> list:
    return next(f for f in fields if f[0] == fid)


def declare_rows(path: Path, rows: int, *, file_total: bool = True) -> None:
    """Rewrite `path` so that its footer declares `rows` rows (file, row groups and column chunks);
    with file_total=False the file's own total is left honest and only the row groups lie."""
    data = Path(path).read_bytes()
    length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - length
    meta, _ = read_struct(data[start:len(data) - 8])
    if file_total:
        field(meta, 3)[2] = rows  # FileMetaData.num_rows
    for group in field(meta, 4)[2][1]:  # FileMetaData.row_groups
        field(group, 3)[2] = rows  # RowGroup.num_rows
        for chunk in field(group, 1)[2][1]:  # RowGroup.columns
            field(field(chunk, 3)[2], 5)[2] = rows  # ColumnChunk.meta_data.num_values
    footer = write_struct(meta)
    Path(path).write_bytes(data[:start] + footer + len(footer).to_bytes(4, "little") + b"PAR1")
