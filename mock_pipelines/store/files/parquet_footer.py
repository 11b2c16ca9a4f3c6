"""Join Parquet files of one schema, each holding whole row groups, into one file — byte for byte the file
one writer would have written from the same batches.

A Parquet file is ``PAR1``, the row groups' column chunks, a footer (Thrift compact ``FileMetaData``), the
footer's length and ``PAR1``. Each row group is encoded on its own (a new column writer, dictionary and
statistics per row group), so the chunks of a one-row-group file are the very bytes a single writer emits
for that batch; only the footer differs: it lists one row group, at offsets counted from the start of its
own file, with ordinal 0. :class:`FooterJoiner` shifts those offsets to where each part lands in the joined
file, renumbers the row groups and writes one footer listing them all. This lets different row groups be
encoded on different threads (pyarrow does not expose the writer's own column-parallel mode).

The Thrift compact protocol is decoded into a generic tree (field id, type, value, in the order written)
and encoded back exactly as Thrift writes it, so nothing but the patched fields can change.
"""

from __future__ import annotations

import struct
from typing import Any

MAGIC = b"PAR1"

# Compact-protocol type codes.
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)

# Field ids (parquet.thrift) of the absolute file offsets a part's footer holds, and of what is renumbered.
_FILE_NUM_ROWS, _FILE_ROW_GROUPS = 3, 4
_GROUP_COLUMNS, _GROUP_FILE_OFFSET, _GROUP_ORDINAL = 1, 5, 7
_CHUNK_OFFSETS = (2, 4, 6)  # file_offset, offset_index_offset, column_index_offset
_CHUNK_META = 3
_META_OFFSETS = (9, 10, 11, 14)  # data_page, index_page, dictionary_page, bloom_filter offsets


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, t: int) -> Any:
        if t in (_TRUE, _FALSE):  # a collection's booleans: one byte each
            return self.byte() == _TRUE
        if t == _BYTE:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if t in (_I16, _I32, _I64):
            return self.zigzag()
        if t == _DOUBLE:
            raw = self.data[self.pos:self.pos + 8]
            self.pos += 8
            return raw
        if t == _BINARY:
            n = self.varint()
            raw = self.data[self.pos:self.pos + n]
            self.pos += n
            return raw
        if t in (_LIST, _SET):
            head = self.byte()
            size = head >> 4 if head >> 4 != 15 else self.varint()
            return (head & 0x0F, [self.value(head & 0x0F) for _ in range(size)])
        if t == _MAP:
            size = self.varint()
            if not size:
                return (0, 0, [])
            kinds = self.byte()
            return (kinds >> 4, kinds & 0x0F, [(self.value(kinds >> 4), self.value(kinds & 0x0F)) for _ in range(size)])
        if t == _STRUCT:
            return self.struct()
        raise ValueError(f"unknown Thrift compact type {t}")

    def struct(self) -> list[list[Any]]:
        fields: list[list[Any]] = []
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            t, delta = head & 0x0F, head >> 4
            fid = last + delta if delta else self.zigzag()
            last = fid
            fields.append([fid, t, t == _TRUE if t in (_TRUE, _FALSE) else self.value(t)])


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def varint(self, n: int) -> None:
        while n >= 0x80:
            self.out.append((n & 0x7F) | 0x80)
            n >>= 7
        self.out.append(n)

    def zigzag(self, n: int) -> None:
        self.varint((n << 1) ^ (n >> 63))

    def value(self, t: int, v: Any) -> None:
        if t in (_TRUE, _FALSE):
            self.out.append(_TRUE if v else _FALSE)
        elif t == _BYTE:
            self.out += struct.pack("b", v)
        elif t in (_I16, _I32, _I64):
            self.zigzag(v)
        elif t == _DOUBLE:
            self.out += v
        elif t == _BINARY:
            self.varint(len(v))
            self.out += v
        elif t in (_LIST, _SET):
            kind, items = v
            if len(items) < 15:
                self.out.append(len(items) << 4 | kind)
            else:
                self.out.append(0xF0 | kind)
                self.varint(len(items))
            for item in items:
                self.value(kind, item)
        elif t == _MAP:
            k, vt, items = v
            self.varint(len(items))
            if items:
                self.out.append(k << 4 | vt)
                for key, val in items:
                    self.value(k, key)
                    self.value(vt, val)
        elif t == _STRUCT:
            self.struct(v)
        else:
            raise ValueError(f"unknown Thrift compact type {t}")

    def struct(self, fields: list[list[Any]]) -> None:
        last = 0
        for fid, t, v in fields:
            kind = (_TRUE if v else _FALSE) if t in (_TRUE, _FALSE) else t
            if 0 < fid - last <= 15:
                self.out.append((fid - last) << 4 | kind)
            else:
                self.out.append(kind)
                self.zigzag(fid)
            last = fid
            if t not in (_TRUE, _FALSE):
                self.value(t, v)
        self.out.append(0)


def decode_struct(data: bytes) -> list[list[Any]]:
    return _Reader(data).struct()


def encode_struct(fields: list[list[Any]]) -> bytes:
    w = _Writer()
    w.struct(fields)
    return bytes(w.out)


def _field(fields: list[list[Any]], fid: int) -> list[Any] | None:
    return next((f for f in fields if f[0] == fid), None)


def _shift(fields: list[list[Any]], ids: tuple[int, ...], delta: int) -> None:
    for f in fields:
        if f[0] in ids and f[2] > 0:  # 0: not set (Arrow writes a column chunk's deprecated file_offset as 0)
            f[2] += delta


def split_file(data: Any) -> tuple[memoryview, list[list[Any]]]:
    """A whole Parquet file (any bytes-like object) → (its row groups' bytes, its decoded footer)."""
    view = memoryview(data)
    if bytes(view[:4]) != MAGIC or bytes(view[-4:]) != MAGIC:
        raise ValueError("not a Parquet file")
    length = int.from_bytes(view[-8:-4], "little")
    footer_start = len(view) - 8 - length
    return view[4:footer_start], decode_struct(bytes(view[footer_start:-8]))


class FooterJoiner:
    """Collects the footers of the parts written one after the other, and writes the joined footer."""

    def __init__(self) -> None:
        self.head: list[list[Any]] | None = None
        self.groups: list[Any] = []
        self.rows = 0

    def add(self, footer: list[list[Any]], at: int) -> None:
        """A part's footer, its row groups now starting at byte ``at`` of the joined file."""
        delta = at - len(MAGIC)
        if self.head is None:
            self.head = footer
        rows_field, groups_field = _field(footer, _FILE_NUM_ROWS), _field(footer, _FILE_ROW_GROUPS)
        self.rows += rows_field[2] if rows_field else 0
        for group in groups_field[2][1] if groups_field else []:
            _shift(group, (_GROUP_FILE_OFFSET,), delta)
            ordinal = _field(group, _GROUP_ORDINAL)
            if ordinal is not None:
                ordinal[2] = len(self.groups)
            columns = _field(group, _GROUP_COLUMNS)
            for chunk in columns[2][1] if columns else []:
                _shift(chunk, _CHUNK_OFFSETS, delta)
                meta = _field(chunk, _CHUNK_META)
                if meta is not None:
                    _shift(meta[2], _META_OFFSETS, delta)
            self.groups.append(group)

    def footer(self) -> bytes:
        """The joined footer with its length and the closing magic: the last bytes of the file."""
        if self.head is None:
            raise ValueError("no parts to join")
        fields = []
        for fid, t, v in self.head:
            if fid == _FILE_NUM_ROWS:
                v = self.rows
            elif fid == _FILE_ROW_GROUPS:
                v = (v[0], self.groups)
            fields.append([fid, t, v])
        body = encode_struct(fields)
        return body + len(body).to_bytes(4, "little") + MAGIC
