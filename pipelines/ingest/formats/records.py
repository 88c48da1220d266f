"""What the log, trace and metric readers yield: one dict per record with the canonical fields as
strings plus `_line` (the line, span or sample it came from), `_raw` and `_error` (a reason, for
quarantine). Validating the values is ingest's one job (`ingest.validate`), not the readers'."""

from __future__ import annotations

from urllib.parse import urlsplit

HEAD_CHARS = 2000  # how much of a record it could not read quarantine keeps


def too_long(limit: int) -> str:
    """The reason a record longer than the limit is quarantined without being read."""
    return f"record longer than {limit:,} bytes (SLM_MAX_RECORD_BYTES): not read"


def too_large(limit: int) -> str:
    return f"document larger than {limit:,} bytes (SLM_MAX_DOCUMENT_BYTES): not read"


def record(n: int, raw: str | None, **fields) -> dict:
    return {"_line": n, "_raw": raw, "_error": None, **{k: (None if v is None else str(v)) for k, v in fields.items()}}


def failed(n: int, raw: str, reason: str) -> dict:
    return {"_line": n, "_raw": raw[:HEAD_CHARS], "_error": reason}


def operation(request: str) -> str | None:
    """`GET /path?query HTTP/1.1` -> `GET /path` (the query, and the host of an absolute URL, dropped)."""
    parts = request.split(" ")
    if len(parts) < 2:
        return None
    path = urlsplit(parts[1]).path or "/"
    return f"{parts[0]} {path}"
