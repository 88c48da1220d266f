"""OpenTelemetry OTLP/JSON traces (a document, or one document per line as the collector's file
exporter writes): server spans only (kind 2), status from `http.response.status_code` or
`http.status_code`, else the span status (2 = error). The customer, when `SLM_CUSTOMER_ATTRIBUTE`
names an attribute: the span's own, else its resource's."""

from __future__ import annotations

import json
from typing import Iterator

from .records import failed, record


def _attr(attributes: list | None, *keys: str):
    for a in attributes or []:
        if isinstance(a, dict) and a.get("key") in keys:
            v = a.get("value") if isinstance(a.get("value"), dict) else {}
            for kind in ("stringValue", "intValue", "doubleValue", "boolValue"):
                if kind in v:
                    return v[kind]
    return None


def _listed(value) -> list | None:
    """A list the spec says is one (absent = empty), or None when it is something else."""
    if value is None:
        return []
    return value if isinstance(value, list) else None


def _parse(text: str) -> Iterator[tuple[int, object] | dict]:
    """The documents of `text` with their line, or a failed record for what cannot be read."""
    try:
        yield 1, json.loads(text)
        return
    except RecursionError:
        yield failed(1, text[:2000], "not readable OTLP/JSON: nested too deeply")
        return
    except json.JSONDecodeError:
        pass
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                yield failed(n, line, f"not valid OTLP/JSON: {exc.msg}")
            except RecursionError:
                yield failed(n, line, "not readable OTLP/JSON: nested too deeply")


def otlp_rows(text: str, customer_attribute: str | None = None) -> Iterator[dict]:
    """`text` is a whole OTLP/JSON document, or one document per line. A part of the wrong shape
    (a list that is not one, an object that is not one) is one quarantined record, the rest reads."""
    count = 0
    for parsed in _parse(text):
        if isinstance(parsed, dict):
            yield parsed
            continue
        n, doc = parsed
        if not isinstance(doc, dict) or "resourceSpans" not in doc:
            yield failed(n, json.dumps(doc)[:2000], "an OTLP/JSON document needs resourceSpans")
            continue
        resource_spans = _listed(doc.get("resourceSpans"))
        if resource_spans is None:
            yield failed(n, json.dumps(doc)[:2000], "resourceSpans must be a list")
            continue
        for rs in resource_spans:
            scope_spans = _listed(rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans")) \
                if isinstance(rs, dict) else None
            resource = rs.get("resource") if isinstance(rs, dict) else None
            attributes = _listed(resource.get("attributes")) if isinstance(resource, dict) else []
            if scope_spans is None or attributes is None:
                count += 1
                yield failed(count, json.dumps(rs)[:2000], "a resourceSpans entry must be an object with lists of "
                                                           "scopeSpans and resource attributes")
                continue
            service = _attr(attributes, "service.name")
            tenant = _attr(attributes, customer_attribute) if customer_attribute else None
            for ss in scope_spans:
                spans = _listed(ss.get("spans")) if isinstance(ss, dict) else None
                if spans is None:
                    count += 1
                    yield failed(count, json.dumps(ss)[:2000], "a scopeSpans entry must be an object with a list of spans")
                    continue
                for span in spans:
                    count += 1
                    yield from _span(count, span, service, tenant, customer_attribute)


def _span(count: int, span, service, tenant=None, customer_attribute: str | None = None) -> Iterator[dict]:
    if not isinstance(span, dict):
        yield failed(count, json.dumps(span)[:2000], "a span must be an object")
        return
    if span.get("kind") not in (2, "SPAN_KIND_SERVER"):
        return  # client, internal, producer, consumer spans are not requests served
    raw = json.dumps(span)[:2000]
    try:
        start = int(span["startTimeUnixNano"])
        end = int(span["endTimeUnixNano"])
    except (KeyError, TypeError, ValueError):
        yield failed(count, raw, "startTimeUnixNano / endTimeUnixNano missing or not integers")
        return
    attributes = _listed(span.get("attributes"))
    status_field = span.get("status")
    if attributes is None or not isinstance(status_field or {}, dict):
        yield failed(count, raw, "a span's attributes must be a list and its status an object")
        return
    status = _attr(attributes, "http.response.status_code", "http.status_code")
    code = (status_field or {}).get("code")
    outcome = "error" if code in (2, "STATUS_CODE_ERROR") else "ok"
    yield record(count, raw, timestamp=start // 1_000_000, service=service,
                  operation=span.get("name"), status_code=status, outcome=outcome,
                  latency_ms=(end - start) / 1e6, trace_id=span.get("traceId"), source="server",
                  customer=(_attr(attributes, customer_attribute) if customer_attribute else None) or tenant)
