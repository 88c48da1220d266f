"""nginx / Apache combined access logs; request time, when present, as a last bare field in seconds
(`$request_time`) or as `rt="0.139"` / `request_time=0.139`. Such logs carry no service name: the
first folder under the landing location names it. The customer, when the log records the header
`SLM_CUSTOMER_HEADER` names, as `name="value"` among the trailing fields."""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

from .records import failed, operation, record
from .text import TooLong

ACCESS_RE = re.compile(
    r'^(?P<client>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\S+)'
    r'(?: "(?P<referer>[^"]*)" "(?P<agent>[^"]*)")?(?P<rest>.*)$')
REQUEST_TIME_RE = re.compile(r'(?:^|\s)(?:rt|request_time)="?(?P<rt>-?[0-9.]+)"?(?:\s|$)')
TRAILING_SECONDS_RE = re.compile(r'\s(?P<rt>[0-9]+\.[0-9]+)\s*$')
ACCESS_TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"


def customer_pattern(header: str | None) -> re.Pattern | None:
    """How a logged header appears in the line's tail: `x-tenant-id="acme"`, `x_tenant_id=acme` or
    nginx's `http_x_tenant_id="acme"` (any case)."""
    if not header:
        return None
    names = {header.lower(), header.lower().replace("-", "_"), "http_" + header.lower().replace("-", "_")}
    keys = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf'(?:^|\s)(?i:{keys})=(?:"(?P<q>[^"]*)"|(?P<bare>[^\s"]+))')


def access_log_rows(lines: Iterator[str], service: str | None, customer_header: str | None = None) -> Iterator[dict]:
    customer_re = customer_pattern(customer_header)
    for n, line in enumerate(lines, start=1):
        if isinstance(line, TooLong):
            yield failed(n, line, line.reason)
            continue
        if not line.strip():
            continue
        m = ACCESS_RE.match(line)
        if not m:
            yield failed(n, line, "not a combined access log line")
            continue
        try:
            ts = dt.datetime.strptime(m["time"], ACCESS_TIME_FORMAT)
        except ValueError:
            yield failed(n, line, f"timestamp: {m['time']} is not like 10/Oct/2000:13:55:36 -0700")
            continue
        rest = m["rest"] or ""
        rt = REQUEST_TIME_RE.search(rest) or TRAILING_SECONDS_RE.search(rest)
        try:
            latency = float(rt["rt"]) * 1000 if rt and float(rt["rt"]) >= 0 else None
        except ValueError:
            yield failed(n, line, f"request time: {rt['rt']} is not a number of seconds")
            continue
        c = customer_re.search(rest) if customer_re else None
        customer = (c["q"] if c["q"] is not None else c["bare"]) if c else None
        yield record(n, line, timestamp=ts.isoformat(), service=service, operation=operation(m["request"]),
                      status_code=m["status"], latency_ms=latency, source="server",
                      customer=None if customer in (None, "", "-") else customer)
