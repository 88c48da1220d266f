"""OpenTelemetry OTLP/JSON traces (a document, or one document per line as the collector's file
exporter writes): server spans only (kind 2), status from `http.response.status_code` or
`http.status_code`, else the span status (2 = error)."""

from __future__ import annotations

import json
from typing import Iterator

from .records import failed, record


def _attr(attributes: list | None, *keys: str):
    for a in attributes or []:
        if a.get("key") in keys:
            v = a.get("value") or {}
            for kind in ("stringValue", "intValue", "doubleValue", "boolValue"):
                if kind in v:
                    return v[kind]
    return None


def otlp_rows(text: str) -> Iterator[dict]:
    """`text` is a whole OTLP/JSON document, or one document per line."""
    try:
        docs = [(1, json.loads(text))]
    except json.JSONDecodeError:
        docs = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    docs.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    yield failed(n, line, f"not valid OTLP/JSON: {exc.msg}")
    count = 0
    for n, doc in docs:
        if not isinstance(doc, dict) or "resourceSpans" not in doc:
            yield failed(n, json.dumps(doc)[:2000], "an OTLP/JSON document needs resourceSpans")
            continue
        for rs in doc.get("resourceSpans") or []:
            service = _attr((rs.get("resource") or {}).get("attributes"), "service.name")
            for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []:
                for span in ss.get("spans") or []:
                    count += 1
                    if span.get("kind") not in (2, "SPAN_KIND_SERVER"):
                        continue  # client, internal, producer, consumer spans are not requests served
                    raw = json.dumps(span)[:2000]
                    try:
                        start = int(span["startTimeUnixNano"])
                        end = int(span["endTimeUnixNano"])
                    except (KeyError, TypeError, ValueError):
                        yield failed(count, raw, "startTimeUnixNano / endTimeUnixNano missing or not integers")
                        continue
                    status = _attr(span.get("attributes"), "http.response.status_code", "http.status_code")
                    code = (span.get("status") or {}).get("code")
                    outcome = "error" if code in (2, "STATUS_CODE_ERROR") else "ok"
                    yield record(count, raw, timestamp=start // 1_000_000, service=service,
                                  operation=span.get("name"), status_code=status, outcome=outcome,
                                  latency_ms=(end - start) / 1e6, trace_id=span.get("traceId"), source="server")
