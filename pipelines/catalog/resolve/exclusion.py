"""slm/v1 Exclusion documents -> one row per service the window applies to."""

from __future__ import annotations

from ...core.hashing import canonical_hash
from ..model import EXCLUSION_KINDS, Document
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
        ctx.cat.exclusions.append({
            "exclusion_name": doc.name,
            "service": svc,
            "kind": kind,
            "start_ts": start,
            "end_ts": end,
            "reason": str(s.get("reason") or ""),
            "approved_by": str(s.get("approvedBy") or ""),
            "ticket": str(s.get("ticket") or ""),
            "definition_hash": canonical_hash(doc.body),
        })
