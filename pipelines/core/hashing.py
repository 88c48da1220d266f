"""Content hashes: of files, and of JSON documents in one canonical spelling.

A hash is evidence only if everyone computes it the same way, so the canonical JSON (sorted keys,
no spaces, anything not JSON-native as its string) is spelled out here and nowhere else: the
catalog's hash, a definition's hash, a manifest's body hash and a frozen catalog all use it.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

CHUNK = 1 << 20


def canonical_json(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def canonical_hash(body: Any) -> str:
    return sha256_bytes(canonical_json(body).encode())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()
