"""Adapters from what systems already write to the canonical record (SPEC.md "Input formats").

Each adapter yields one dict per record with the canonical fields as strings plus `_line` (the
line, span or sample it came from), `_raw` and `_error` (a reason, for quarantine). Validation of
the values themselves is the ingest stage's one job (ingest.VALIDATE_SQL). Where a format carries
no service name, `service` is the first folder under the landing location.

- access_log: nginx / Apache combined; request time, when present, as a last bare field in
  seconds (`$request_time`) or as `rt="0.139"` / `request_time=0.139`.
- alb: AWS Application Load Balancer access logs; a processing time of -1 means the target did
  not answer: latency is unknown and the ELB status (502, 504, ...) stands.
- otlp: OpenTelemetry OTLP/JSON traces (a document, or one document per line as the collector's
  file exporter writes); server spans only (kind 2), status from `http.response.status_code` or
  `http.status_code`, else the span status (2 = error).
- prometheus: `query_range` JSON of request counters by `code` (or `status`) label: each step's
  increase becomes one record standing for that many requests (sample_rate = 1 / increase);
  a counter that goes down was reset, so its increase is its new value.
"""

import datetime as dt
import json
import re
from typing import Iterator
from urllib.parse import urlsplit

ACCESS_RE = re.compile(
    r'^(?P<client>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\S+)'
    r'(?: "(?P<referer>[^"]*)" "(?P<agent>[^"]*)")?(?P<rest>.*)$')
REQUEST_TIME_RE = re.compile(r'(?:^|\s)(?:rt|request_time)="?(?P<rt>-?[0-9.]+)"?(?:\s|$)')
TRAILING_SECONDS_RE = re.compile(r'\s(?P<rt>[0-9]+\.[0-9]+)\s*$')
ALB_TOKEN_RE = re.compile(r'"[^"]*"|\S+')
ALB_LINE_RE = re.compile(r'^(?:http|https|h2|grpcs|ws|wss) \d{4}-\d{2}-\d{2}T')
ACCESS_TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"


def _record(n: int, raw: str | None, **fields) -> dict:
    return {"_line": n, "_raw": raw, "_error": None, **{k: (None if v is None else str(v)) for k, v in fields.items()}}


def _failed(n: int, raw: str, reason: str) -> dict:
    return {"_line": n, "_raw": raw[:2000], "_error": reason}


def _operation(request: str) -> str | None:
    parts = request.split(" ")
    if len(parts) < 2:
        return None
    path = urlsplit(parts[1]).path or "/"  # drops the query, and the host of an absolute URL (ALB)
    return f"{parts[0]} {path}"


def access_log_rows(lines: Iterator[str], service: str | None) -> Iterator[dict]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        m = ACCESS_RE.match(line)
        if not m:
            yield _failed(n, line, "not a combined access log line")
            continue
        try:
            ts = dt.datetime.strptime(m["time"], ACCESS_TIME_FORMAT)
        except ValueError:
            yield _failed(n, line, f"timestamp: {m['time']} is not like 10/Oct/2000:13:55:36 -0700")
            continue
        rest = m["rest"] or ""
        rt = REQUEST_TIME_RE.search(rest) or TRAILING_SECONDS_RE.search(rest)
        latency = float(rt["rt"]) * 1000 if rt and float(rt["rt"]) >= 0 else None
        yield _record(n, line, timestamp=ts.isoformat(), service=service, operation=_operation(m["request"]),
                      status_code=m["status"], latency_ms=latency, source="server")


def alb_rows(lines: Iterator[str], service: str | None) -> Iterator[dict]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        f = [t.strip('"') for t in ALB_TOKEN_RE.findall(line)]
        if len(f) < 13 or not ALB_LINE_RE.match(line):
            yield _failed(n, line, "not an ALB access log line")
            continue
        try:
            times = [float(x) for x in f[5:8]]
        except ValueError:
            yield _failed(n, line, f"processing times: {' '.join(f[5:8])} are not numbers")
            continue
        if f[8] == "-":
            yield _failed(n, line, "elb_status_code: - (the load balancer sent no response)")
            continue
        answered = all(t >= 0 for t in times)
        yield _record(n, line, timestamp=f[1], service=service, operation=_operation(f[12]), status_code=f[8],
                      latency_ms=sum(times) * 1000 if answered else None, source="loadbalancer",
                      trace_id=f[17] if len(f) > 17 and f[17] not in ("", "-") else None)


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
                    yield _failed(n, line, f"not valid OTLP/JSON: {exc.msg}")
    record = 0
    for n, doc in docs:
        if not isinstance(doc, dict) or "resourceSpans" not in doc:
            yield _failed(n, json.dumps(doc)[:2000], "an OTLP/JSON document needs resourceSpans")
            continue
        for rs in doc.get("resourceSpans") or []:
            service = _attr((rs.get("resource") or {}).get("attributes"), "service.name")
            for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []:
                for span in ss.get("spans") or []:
                    record += 1
                    if span.get("kind") not in (2, "SPAN_KIND_SERVER"):
                        continue  # client, internal, producer, consumer spans are not requests served
                    raw = json.dumps(span)[:2000]
                    try:
                        start = int(span["startTimeUnixNano"])
                        end = int(span["endTimeUnixNano"])
                    except (KeyError, TypeError, ValueError):
                        yield _failed(record, raw, "startTimeUnixNano / endTimeUnixNano missing or not integers")
                        continue
                    status = _attr(span.get("attributes"), "http.response.status_code", "http.status_code")
                    code = (span.get("status") or {}).get("code")
                    outcome = "error" if code in (2, "STATUS_CODE_ERROR") else "ok"
                    yield _record(record, raw, timestamp=start // 1_000_000, service=service,
                                  operation=span.get("name"), status_code=status, outcome=outcome,
                                  latency_ms=(end - start) / 1e6, trace_id=span.get("traceId"), source="server")


def prometheus_rows(text: str, service: str | None) -> Iterator[dict]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield _failed(1, text[:2000], f"not valid JSON: {exc.msg}")
        return
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        yield _failed(1, text[:2000], "a Prometheus query_range answer needs data.resultType = matrix")
        return
    record = 0
    for series in data.get("result") or []:
        labels = series.get("metric") or {}
        code = labels.get("code") or labels.get("status")
        svc = labels.get("service") or labels.get("job") or service
        previous = None
        for ts, value in series.get("values") or []:
            record += 1
            raw = json.dumps({"metric": labels, "value": [ts, value]})
            if code is None:
                yield _failed(record, raw, "series without a code or status label")
                continue
            try:
                current = float(value)
            except (TypeError, ValueError):
                yield _failed(record, raw, f"value: {value!r} is not a number")
                continue
            if previous is None:  # the first sample is the baseline, not an increase
                previous = current
                continue
            increase = current if current < previous else current - previous  # a reset starts from 0
            previous = current
            if increase == 0:
                continue
            if increase < 1:
                yield _failed(record, raw, f"increase of {increase} is less than one request (a rate, not a counter?)")
                continue
            yield _record(record, raw, timestamp=int(float(ts) * 1000), service=svc, status_code=code,
                          sample_rate=1 / increase, source="prometheus")
