"""Lines cut by Arrow are exactly the lines Python's text reading gives, numbered the same, at any
block size (a block boundary inside a \\r\\n pair, a multi-byte character or a long line included)."""

import gzip
import random
import zlib

import pytest

from pipelines.ingest.formats.lines import line_batches
from pipelines.ingest.formats.text import UNREADABLE, text_lines

PIECES = ["a", "{}", '{"x": 1}', "\n", "\r", "\r\n", " ", "\t", "\x0b", "\x1c", "\u2028", "é", "\x85", "\u3000",
          "\x00", "€"]
BAD_BYTES = [b"\xff", b"\xc3", b"\xe2\x82", b"\x80"]


def python_lines(path, gz):
    """The reference: Python's universal-newline text reading, blank lines skipped as before."""
    return [(n, line) for n, line in enumerate(text_lines(path, gz), start=1) if line.strip()]


def arrow_lines(path, gz, block):
    return [(n, line) for t in line_batches(path, gz, block)
            for n, line in zip(t["_line"].to_pylist(), t["_raw"].to_pylist())]


@pytest.mark.parametrize("seed", range(3))
def test_the_same_lines_and_numbers_as_python_text_reading(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "f"
    compared = 0
    for _ in range(150):
        data = b"".join(rng.choice(BAD_BYTES) if rng.random() < 0.1 else rng.choice(PIECES).encode()
                        for _ in range(rng.randint(0, 80)))
        gz = rng.random() < 0.3
        path.write_bytes(gzip.compress(data) if gz else data)
        expected = python_lines(path, gz)
        for block in (1, 2, 3, 7, 64, 1 << 20):
            assert arrow_lines(path, gz, block) == expected, (data, block)
        compared += len(expected)
    assert compared > 500  # the random files did hold lines


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
