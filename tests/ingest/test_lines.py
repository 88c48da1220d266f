"""Lines cut by Arrow are exactly the lines Python's text reading gives, numbered the same, at any
block size (a block boundary inside a \\r\\n pair, a multi-byte character or a long line included)."""

import gzip
import random
import zlib

import pytest

from pipelines.ingest.formats.lines import line_batches
from pipelines.ingest.formats.text import UNREADABLE, TooLong, text_lines

PIECES = ["a", "{}", '{"x": 1}', "\n", "\r", "\r\n", " ", "\t", "\x0b", "\x1c", "\u2028", "é", "\x85", "\u3000",
          "\x00", "€"]
BAD_BYTES = [b"\xff", b"\xc3", b"\xe2\x82", b"\x80"]


def python_lines(path, gz, limit=None):
    """The reference: Python's universal-newline text reading, blank lines skipped as before; a
    line over the record limit is kept (it was not read, so not known to be blank), as None."""
    return [(n, None if isinstance(line, TooLong) else line)
            for n, line in enumerate(text_lines(path, gz, limit), start=1) if isinstance(line, TooLong) or line.strip()]


def arrow_lines(path, gz, block, limit=None):
    return [(n, None if error else line) for t in line_batches(path, gz, block, limit)
            for n, line, error in zip(t["_line"].to_pylist(), t["_raw"].to_pylist(), t["_error"].to_pylist())]


@pytest.mark.parametrize("seed, limit", [(0, None), (1, None), (2, None), (3, 3), (4, 12), (5, 24)])
def test_the_same_lines_and_numbers_as_python_text_reading(tmp_path, seed, limit):
    """... and the same lines over the record limit, however the blocks cut them."""
    rng = random.Random(seed)
    path = tmp_path / "f"
    compared = refused = 0
    for _ in range(150):
        data = b"".join(rng.choice(BAD_BYTES) if rng.random() < 0.1 else rng.choice(PIECES).encode()
                        for _ in range(rng.randint(0, 80)))
        gz = rng.random() < 0.3
        path.write_bytes(gzip.compress(data) if gz else data)
        expected = python_lines(path, gz, limit)
        for block in (1, 2, 3, 7, 64, 1 << 20):
            assert arrow_lines(path, gz, block, limit) == expected, (data, block)
        compared += len(expected)
        refused += sum(line is None for _, line in expected)
    assert compared > 500  # the random files did hold lines
    assert (refused > 10) if limit else (refused == 0)  # ... and lines over the limit


def test_crlf_lone_cr_blank_lines_and_a_last_line_without_ending(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a":1}\r\n\r\n  \t\n{"b":2}\r{"c":3}\n\n{"d":4}')
    # physical lines: 1 {"a":1}, 2 blank, 3 spaces, 4 {"b":2}, 5 {"c":3}, 6 blank, 7 {"d":4}
    assert arrow_lines(path, False, 1 << 20) == [(1, '{"a":1}'), (4, '{"b":2}'), (5, '{"c":3}'), (7, '{"d":4}')]


def test_a_truncated_gzip_gives_the_whole_lines_before_the_damage_then_raises(tmp_path):
    lines = [f'{{"n": {i}}}' for i in range(5000)]
    whole = gzip.compress("\n".join(lines).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    readable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(whole[: len(whole) // 2]).count(b"\n")
    got = []
    with pytest.raises(UNREADABLE):
        for table in line_batches(path, True, 4096):
            got += zip(table["_line"].to_pylist(), table["_raw"].to_pylist())
    assert 0 < len(got) <= readable
    assert got == [(i + 1, lines[i]) for i in range(len(got))]
