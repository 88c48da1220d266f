"""slm/v1 Exclusion documents -> one window per service it applies to, or, for a recurring one,
its rule (expanded into windows when the catalog is exported, per version: `recurrence.py`)."""

from __future__ import annotations

import datetime as dt

from ...core.hashing import canonical_hash
from ..model import EXCLUSION_KINDS, Document
from ..recurrence import LONGEST_MINUTES, duration_minutes, local_start, parse_rule, zone
from ..values import parse_timestamp, shown
from .context import Resolution


def exclusion(ctx: Resolution, doc: Document) -> None:
    s = doc.spec
    services = s.get("services")
    if not isinstance(services, list) or not services:
        ctx.problem(doc, "spec.services", "a list of at least one service is required")
        return
    for svc in services:
        if svc not in ctx.by_kind.get("Service", {}):
            ctx.problem(doc, "spec.services", f"no Service named {shown(svc)} in the catalog")
    kind = s.get("kind")
    if kind not in EXCLUSION_KINDS:
        ctx.problem(doc, "spec.kind", f"must be one of {sorted(EXCLUSION_KINDS)}, got {shown(kind)}")
    about = {"kind": kind, "reason": str(s.get("reason") or ""), "approved_by": str(s.get("approvedBy") or ""),
             "ticket": str(s.get("ticket") or ""), "definition_hash": canonical_hash(doc.body)}
    if "recurrence" in s:
        rule = recurrence(ctx, doc)
        if rule and kind in EXCLUSION_KINDS:
            ctx.cat.recurring_exclusions.append({"exclusion_name": doc.name, "services": list(services), **rule,
                                                 **about, "valid_from_annotation": ctx.valid_from(doc)})
        return
    start, end = parse_timestamp(s.get("start")), parse_timestamp(s.get("end"))
    if start is None:
        ctx.problem(doc, "spec.start", f"must be an RFC 3339 time, got {shown(s.get('start'))}")
    if end is None:
        ctx.problem(doc, "spec.end", f"must be an RFC 3339 time, got {shown(s.get('end'))}")
    if start and end and end <= start:
        ctx.problem(doc, "spec.end", "must be after start")
        return
    if start is None or end is None or kind not in EXCLUSION_KINDS:
        return
    for svc in services:
        ctx.cat.exclusions.append({"exclusion_name": doc.name, "service": svc, "start_ts": start, "end_ts": end,
                                   **about})


def recurrence(ctx: Resolution, doc: Document) -> dict | None:
    """`spec.recurrence: {rrule, start, duration, timeZone}` checked, as the rule's row; None if faulty."""
    r, where = doc.spec.get("recurrence"), "spec.recurrence"
    if not isinstance(r, dict):
        ctx.problem(doc, where, "must be a mapping with rrule, start, duration and timeZone")
        return None
    for field in ("start", "end"):
        if field in doc.spec:
            ctx.problem(doc, f"spec.{field}", "a recurring exclusion gives its times in spec.recurrence")
    tz = zone(r.get("timeZone", "UTC"))
    if tz is None:
        ctx.problem(doc, f"{where}.timeZone", f"must be an IANA time zone like Europe/Berlin, got {shown(r.get('timeZone'))}")
    start = local_start(r.get("start"))
    if start is None:
        ctx.problem(doc, f"{where}.start", f"a local date and time without an offset (2026-01-04T02:00:00, read in "
                                           f"timeZone), got {shown(r.get('start'))}")
    minutes = duration_minutes(r.get("duration"))
    if minutes is None or not 0 < minutes <= LONGEST_MINUTES:
        ctx.problem(doc, f"{where}.duration", f"a duration from 1m to 31d like 2h or 90m, got {shown(r.get('duration'))}")
    # the rule is checked even when the start or zone is faulty, so that every problem shows at once
    rule, wrong = parse_rule(r.get("rrule"), (start or dt.datetime(2000, 1, 1)).replace(tzinfo=tz or dt.timezone.utc))
    if wrong:
        ctx.problem(doc, f"{where}.rrule", wrong)
    if rule is None or tz is None or start is None or minutes is None or not 0 < minutes <= LONGEST_MINUTES:
        return None
    return {"rrule": r["rrule"].strip(), "local_start": start, "duration_minutes": minutes, "time_zone": str(r.get("timeZone", "UTC"))}
