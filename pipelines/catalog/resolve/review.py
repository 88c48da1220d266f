"""An SLO's review cadence: `metadata.annotations["slm/review-cadence"]`, an iCalendar RRULE counted
from 2000-01-01 (the catalog's default: quarterly), for every objective of the SLO."""

from __future__ import annotations

from ..model import DEFAULT_REVIEW_CADENCE, REVIEW_CADENCE_ANNOTATION, REVIEW_CADENCE_START, Document
from ..recurrence import parse_rule
from .context import Resolution


def review_cadence(ctx: Resolution, doc: Document) -> None:
    annotations = (doc.body.get("metadata") or {}).get("annotations") or {}
    cadence = annotations.get(REVIEW_CADENCE_ANNOTATION, DEFAULT_REVIEW_CADENCE) if isinstance(annotations, dict) \
        else DEFAULT_REVIEW_CADENCE
    _, wrong = parse_rule(cadence, REVIEW_CADENCE_START)
    if wrong:
        ctx.problem(doc, f"metadata.annotations.{REVIEW_CADENCE_ANNOTATION}", wrong)
        return
    ctx.cat.review_cadences += [{"slo_name": s["slo_name"], "cadence": str(cadence).strip()}
                                for s in ctx.cat.slos if s["slo_document"] == doc.name]
