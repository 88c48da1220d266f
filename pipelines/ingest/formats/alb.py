"""AWS Application Load Balancer access logs. A processing time of -1 means the target did not
answer: latency is unknown and the ELB status (502, 504, ...) stands."""

from __future__ import annotations

import re
from typing import Iterator

from .records import failed, operation, record
from .text import TooLong

ALB_TOKEN_RE = re.compile(r'"[^"]*"|\S+')
ALB_LINE_RE = re.compile(r'^(?:http|https|h2|grpcs|ws|wss) \d{4}-\d{2}-\d{2}T')


def alb_rows(lines: Iterator[str], service: str | None) -> Iterator[dict]:
    for n, line in enumerate(lines, start=1):
        if isinstance(line, TooLong):
            yield failed(n, line, line.reason)
            continue
        if not line.strip():
            continue
        f = [t.strip('"') for t in ALB_TOKEN_RE.findall(line)]
        if len(f) < 13 or not ALB_LINE_RE.match(line):
            yield failed(n, line, "not an ALB access log line")
            continue
        try:
            times = [float(x) for x in f[5:8]]
        except ValueError:
            yield failed(n, line, f"processing times: {' '.join(f[5:8])} are not numbers")
            continue
        if f[8] == "-":
            yield failed(n, line, "elb_status_code: - (the load balancer sent no response)")
            continue
        answered = all(t >= 0 for t in times)
        yield record(n, line, timestamp=f[1], service=service, operation=operation(f[12]), status_code=f[8],
                      latency_ms=sum(times) * 1000 if answered else None, source="loadbalancer",
                      trace_id=f[17] if len(f) > 17 and f[17] not in ("", "-") else None)
