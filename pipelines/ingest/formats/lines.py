"""A text file's lines as numbered Arrow batches, cut by Arrow's C++ kernels, not line by line in
Python (issue 15: turning ten million Python strings into an Arrow column cost more than parsing
their JSON).

The lines and their numbers are exactly those of `text.text_lines`: UTF-8 with undecodable bytes
replaced, universal newlines (`\\n`, `\\r\\n` and a lone `\\r` each end a line), every physical
line counted from 1. The file is read in blocks cut after a `\\n`, so no character and no `\\r\\n`
pair is ever split between two blocks, and memory is bounded by the block size (and the longest
line).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...settings import max_record_bytes
from .records import HEAD_CHARS, too_long
from .text import UNREADABLE

# 8 MiB: a 1 M-line file lands in the same time as with 32 MiB blocks, at 0.6 GiB instead of 0.9
# (issue 15: the landing workers were the memory peak of a 30 M-event run)
BLOCK_BYTES = 8 * 2**20
HEAD_BYTES = HEAD_CHARS * 4  # enough bytes for the head quarantine keeps
_ENDINGS = r"\r\n|\r|\n"
BOM = b"\xef\xbb\xbf"


class _TooLong(bytes):
    """The head of a line longer than the record limit, whose rest was read past."""


def _pieces(f, size: int) -> Iterator[bytes]:
    """The stream in pieces of `size` bytes (the last may be shorter); when it turns out damaged,
    what was read of the piece comes first, then the error."""
    while True:
        pieces, n = [], 0
        try:
            while n < size:
                piece = f.read1(size - n)
                if not piece:
                    break
                pieces.append(piece)
                n += len(piece)
        except UNREADABLE:
            if pieces:
                yield b"".join(pieces)
            raise
        if not pieces:
            return
        yield b"".join(pieces)


def _line_end(data: bytes) -> int:
    """Just past the first line ending in `data` (a \\r\\n counts whole), or -1."""
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    if not ends:
        return -1
    i = min(ends)
    return i + 2 if data[i:i + 2] == b"\r\n" else i + 1


def _blocks(path: Path, gz: bool, size: int, limit: int) -> Iterator[bytes]:
    """The file's bytes in blocks that end just after a line ending (the last one may not), and a
    `_TooLong` for each line longer than `limit` that no block could hold: such a line is read past,
    so memory is bounded by `size` + `limit` whatever the file holds (a gzip bomb of NULs is one
    endless line). When the file turns out damaged, the whole lines read before come first, then
    the error."""
    rest = b""        # the start of a line whose end is not read yet
    skipping = None   # the head of a too-long line whose end is being looked for
    after_cr = False  # the last byte was a \r that ended a line: a \n now is its other half
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        for data in _pieces(f, size):
            if after_cr and data.startswith(b"\n"):
                data = data[1:]
            after_cr = False
            if skipping is not None:
                end = _line_end(data)
                if end < 0:
                    continue
                yield _TooLong(skipping)
                skipping, after_cr = None, end == len(data) and data.endswith(b"\r")
                data = data[end:]
            data = rest + data if rest else data
            cut = data.rfind(b"\n") + 1
            if not cut:
                # No \n: a file of lone \r endings, or one very long line. A \r that is not the
                # last byte ends a line for certain (it cannot be half of a \r\n).
                cut = data.rfind(b"\r", 0, len(data) - 1) + 1
            rest = data[cut:]
            if cut:
                yield data[:cut]
            if len(rest) > limit + 1:  # + 1: its last byte may be a \r ending it
                inner = rest.rfind(b"\r", 0, len(rest) - 1) + 1  # lines of lone \r endings after the last \n
                if inner:
                    yield rest[:inner]
                    rest = rest[inner:]
            if len(rest) > limit + 1:
                if rest.endswith(b"\r"):  # whole, and too long
                    yield _TooLong(rest[:HEAD_BYTES])
                    after_cr = True
                else:
                    skipping = rest[:HEAD_BYTES]
                rest = b""
    if skipping is not None:
        yield _TooLong(skipping)
    elif rest:
        yield rest


def _utf8(block: bytes) -> bytes:
    """The block as valid UTF-8: itself when it is, else decoded with replacement (as Python's
    text reading does) and encoded again."""
    try:
        block.decode("utf-8")
        return block
    except UnicodeDecodeError:
        return block.decode("utf-8", errors="replace").encode("utf-8")


def _split(data: bytes) -> pa.Array:
    """The lines of a block of UTF-8, without their endings; a block ending in one has no empty
    last line."""
    if b"\r" in data:  # rare: \r\n or lone \r endings, cut by a regular expression
        whole = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(data)], np.int64)),
                                                             pa.py_buffer(data)])
        lines = pc.split_pattern_regex(whole, _ENDINGS).flatten()
        if data.endswith((b"\n", b"\r")):
            lines = lines.slice(0, len(lines) - 1)
        return lines.cast(pa.string())
    # \n endings only: drop the \n bytes and point each line at its start in what is left.
    raw = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(raw == 10)
    starts = np.concatenate([[0], ends + 1])
    if starts[-1] == len(data):  # the block ends with \n: no line after it
        starts = starts[:-1]
    offsets = np.append(starts - np.arange(len(starts)), len(data) - len(ends)).astype(np.int64)
    body = raw[raw != 10]
    return pa.Array.from_buffers(pa.large_string(), len(starts), [None, pa.py_buffer(offsets), pa.py_buffer(body)]
                                 ).cast(pa.string())


# What Python's str.isspace() calls whitespace, so "blank" means what it meant when Python cut lines.
_BLANK = "^[\\t-\\r\\x1c-\\x20\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]*$"


def line_batches(path: Path, gz: bool, block_bytes: int = BLOCK_BYTES, limit: int | None = None
                 ) -> Iterator[pa.Table]:
    """Tables of (`_line` int64, `_raw` string, `_error` string) for every line that is not blank
    (blank: empty or only whitespace, which is no record in any line format). A line over `limit`
    bytes (default `max_record_bytes()`) keeps only its head in `_raw` and has its `_error`; the
    lines over the limit are exactly those `text.text_lines` gives as `TooLong`."""
    limit = limit or max_record_bytes()
    reason = too_long(limit)
    first = 1
    for block in _blocks(path, gz, block_bytes, limit):
        if isinstance(block, _TooLong):
            head = block.decode("utf-8", errors="replace")[:HEAD_CHARS]
            yield pa.table({"_line": pa.array([first], pa.int64()), "_raw": [head], "_error": [reason]})
            first += 1
            continue
        if first == 1 and block.startswith(BOM):  # Excel and friends: a byte order mark, not text
            block = block[len(BOM):]
        lines = _split(_utf8(block))
        numbers = pa.array(np.arange(first, first + len(lines), dtype=np.int64))
        first += len(lines)
        errors = pa.nulls(len(lines), pa.string())
        lengths = pc.binary_length(lines)
        if len(lines) and pc.max(lengths).as_py() > limit:
            long = pc.greater(lengths, limit)
            errors = pc.if_else(long, reason, errors)
            lines = pc.if_else(long, pc.utf8_slice_codeunits(lines, 0, HEAD_CHARS), lines)
        # a line over the limit is quarantined even when blank: it was not read whole
        keep = pc.or_(pc.invert(pc.match_substring_regex(lines, _BLANK)), pc.is_valid(errors))
        table = pa.table({"_line": numbers, "_raw": lines, "_error": errors}).filter(keep)
        if table.num_rows:
            yield table


def plain_line_count(path: Path, gz: bool, first: bytes, last: bytes, limit: int | None = None,
                     block_bytes: int = BLOCK_BYTES) -> int | None:
    """The number of lines when every one is plain: starts with the byte `first` and ends with
    `last` (so none is blank), is at most `limit` bytes, ends with `\\n` (the last may end the
    file instead), in UTF-8 without a byte order mark. Then a reader that splits at `\\n` sees
    exactly the lines `line_batches` numbers, one record each, in order. None when a line is not
    plain, or the file is empty or damaged: only the exact reader can say where and why."""
    limit = limit or max_record_bytes()
    count = 0
    try:
        for block in _blocks(path, gz, block_bytes, limit):
            if isinstance(block, _TooLong) or (count == 0 and block.startswith(BOM)) or b"\r" in block:
                return None
            block.decode("utf-8")
            raw = np.frombuffer(block, np.uint8)
            ends = np.flatnonzero(raw == 10)
            ended = bool(len(ends)) and ends[-1] == len(raw) - 1  # else the file's last line, unended
            starts = np.concatenate([[0], ends[:-1] + 1 if ended else ends + 1])
            stops = np.append(ends, len(raw)) if not ended else ends  # one past each line's last byte
            if (np.any(stops <= starts) or np.any(raw[starts] != first[0]) or np.any(raw[stops - 1] != last[0])
                    or np.max(stops - starts) > limit):
                return None
            count += len(starts)
    except UNREADABLE:  # undecodable bytes (a ValueError) or a damaged file
        return None
    return count or None
