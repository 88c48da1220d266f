"""Turns the catalog's documents into rows, one module per kind, recording a Problem for
everything that does not fit. The order matters where one kind refers to another: SLIs and
AlertConditions on their own first (their faults are theirs, reported once), AlertPolicies before
the SLOs that name them, SLOs before the contracts and dependencies that name them."""

from __future__ import annotations

from ..model import EXCLUSION_KINDS, Catalog
from .alerting import alert_policy, condition_document
from .context import Resolution
from .contract import contract
from .dependency import composites, dependency
from .exclusion import exclusion
from .indicator import sli
from .review import review_cadence
from .service import service
from .slo import slo


def resolve(cat: Catalog) -> None:
    ctx = Resolution(cat)
    for doc in cat.documents:
        if not doc.well_named:  # reported; resolved for its other problems, named by nothing
            continue
        seen = ctx.by_kind.setdefault(doc.kind, {})
        if doc.name in seen:
            first = seen[doc.name]
            ctx.problem(doc, "metadata.name", f"duplicate {doc.kind} name (first in {first.file} doc {first.index})")
            continue  # its own problems are still reported
        seen[doc.name] = doc
    for doc in ctx.named("Service"):
        service(ctx, doc)
    for doc in ctx.named("SLI"):
        sli(ctx, doc)
    for doc in ctx.named("AlertCondition"):
        condition_document(ctx, doc)
    for doc in ctx.named("AlertPolicy"):
        alert_policy(ctx, doc)
    for doc in ctx.named("SLO"):
        slo(ctx, doc)
        review_cadence(ctx, doc)
    # Burn-rate conditions per SLO, for the alerting models (an AlertPolicy overrides defaults).
    for slo_doc, policy in ctx.slo_alert_policies:
        for row in ctx.alert_rows:
            if row["alert_policy"] == policy:
                cat.alert_conditions.append({"slo_document": slo_doc, **row})
    for doc in ctx.named("Contract"):
        contract(ctx, doc)
    for doc in ctx.named("Exclusion"):
        exclusion(ctx, doc)
    for doc in ctx.named("Dependency"):
        dependency(ctx, doc)
    composites(ctx)
    cat.exclusion_kinds = [{"kind": k} for k in EXCLUSION_KINDS]
