"""slm/v1 Dependency documents -> dependencies, and the user journeys (composites) they make."""

from __future__ import annotations

from ...core.hashing import canonical_hash
from ..model import Document
from ..values import shown
from .context import Resolution


def dependency(ctx: Resolution, doc: Document) -> None:
    s = doc.spec
    services = ctx.by_kind.get("Service", {})
    for key in ("service", "dependsOn"):
        if s.get(key) not in services:
            ctx.problem(doc, f"spec.{key}", f"no Service named {shown(s.get(key))} in the catalog")
    slo = s.get("slo")
    if slo is not None:
        owner = {r["slo_name"]: r["service"] for r in ctx.cat.slos}.get(slo)
        if owner != s.get("dependsOn"):
            ctx.problem(doc, "spec.slo", f"no SLO named {shown(slo)} of service {shown(s.get('dependsOn'))}")
    if s.get("service") == s.get("dependsOn"):
        ctx.problem(doc, "spec.dependsOn", "a service cannot depend on itself")
    ctx.cat.dependencies.append({
        "dependency_name": doc.name,
        "service": str(s.get("service")),
        "depends_on": str(s.get("dependsOn")),
        "hard": bool(s.get("hard", True)),
        "slo_name": None if slo is None else str(slo),
        "definition_hash": canonical_hash(doc.body),
    })


def composites(ctx: Resolution) -> None:
    """Every service with hard dependencies is a user journey: its members are itself and every
    service reachable through hard dependencies (transitively), each listed once at its
    shortest depth. A cycle of hard dependencies has no composite and is a problem."""
    hard: dict[str, list[dict]] = {}
    for d in ctx.cat.dependencies:
        if d["hard"]:
            hard.setdefault(d["service"], []).append(d)
    docs = ctx.by_kind.get("Dependency", {})
    for journey in sorted(hard):
        members = {journey: (0, None)}
        frontier, depth = [journey], 0
        while frontier:
            depth += 1
            nxt = []
            for svc in frontier:
                for d in hard.get(svc, []):
                    if d["depends_on"] == journey:
                        ctx.problem(docs[d["dependency_name"]], "spec.dependsOn",
                                     f"hard dependencies form a cycle through {shown(journey)}")
                        return
                    if d["depends_on"] not in members:
                        members[d["depends_on"]] = (depth, d["slo_name"])
                        nxt.append(d["depends_on"])
            frontier = nxt
        for member, (level, slo) in sorted(members.items(), key=lambda m: (m[1][0], m[0])):
            ctx.cat.composite_members.append({
                "journey_service": journey, "member_service": member, "depth": level, "slo_name": slo})
