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

from .text import UNREADABLE

BLOCK_BYTES = 32 * 2**20
_ENDINGS = r"\r\n|\r|\n"
BOM = b"\xef\xbb\xbf"


def _blocks(path: Path, gz: bool, size: int) -> Iterator[bytes]:
    """The file's bytes in blocks that end just after a line ending (the last one may not). When
    the file turns out damaged, the whole lines read before the damage come first, then the error."""
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        rest = b""
        while True:
            pieces, n = [rest], 0  # `size` new bytes on top of what was left over
            try:
                while n < size:
                    piece = f.read1(size - n)
                    if not piece:
                        break
                    pieces.append(piece)
                    n += len(piece)
            except UNREADABLE:
                data = b"".join(pieces)
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield data[:cut]
                raise
            data = b"".join(pieces)
            if len(data) == len(rest):  # end of file
                break
            cut = data.rfind(b"\n") + 1
            if not cut:
                # No \n yet: a file of lone \r endings, or one very long line. A \r that is not the
                # last byte ends a line for certain (it cannot be half of a \r\n).
                cut = data.rfind(b"\r", 0, len(data) - 1) + 1
            rest = data[cut:]
            if cut:
                yield data[:cut]
        if rest:
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


def line_batches(path: Path, gz: bool, block_bytes: int = BLOCK_BYTES) -> Iterator[pa.Table]:
    """Tables of (`_line` int64, `_raw` string) for every line that is not blank (blank: empty or
    only whitespace, which is no record in any line format)."""
    first = 1
    for i, block in enumerate(_blocks(path, gz, block_bytes)):
        if i == 0 and block.startswith(BOM):  # Excel and friends: a byte order mark, not text
            block = block[len(BOM):]
        lines = _split(_utf8(block))
        numbers = pa.array(np.arange(first, first + len(lines), dtype=np.int64))
        first += len(lines)
        table = pa.table({"_line": numbers, "_raw": lines}).filter(pc.invert(pc.match_substring_regex(lines, _BLANK)))
        if table.num_rows:
            yield table
