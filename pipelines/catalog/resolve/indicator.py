"""An SLO's indicator (inline or by reference): which events count, as SQL compiled from filters."""

from __future__ import annotations

from typing import Any

from ..filters import FilterError, compile_filter, numeric_fields
from ..model import Document
from ..values import shown
from .context import Resolution


def find_indicator(ctx: Resolution, doc: Document, holder: dict, path: str) -> tuple[dict | None, dict | None]:
    """(the indicator of an SLO or of a composite SLO's objective, what its objectives share:
    `indicator_source`), or Nones after a problem. `holder` is the SLO's spec or the objective, at
    `path`. A referenced SLI was resolved on its own (`sli`): its faults are its own document's,
    reported once however many SLOs use it."""
    if "indicator" in holder:
        ind = holder["indicator"]
        if not isinstance(ind, dict) or not isinstance(ind.get("spec"), dict):
            ctx.problem(doc, f"{path}.indicator", "must be an SLI with metadata and spec")
            return None, None
        return ind, indicator_source(ctx, doc, ind, f"{path}.indicator.spec")
    ref = holder.get("indicatorRef")
    if not ref:
        ctx.problem(doc, "spec", "an inline indicator or an indicatorRef is required")
        return None, None
    sli = ctx.by_kind.get("SLI", {}).get(ref)
    if sli is None:
        ctx.problem(doc, f"{path}.indicatorRef", f"no SLI named {shown(ref)} in the catalog")
        return None, None
    return sli.body, ctx.sli_sources.get(ref)


def sli(ctx: Resolution, doc: Document) -> None:
    """An SLI document on its own, whether or not an SLO uses it: its problems are its own."""
    if not isinstance(doc.body.get("spec"), dict):
        ctx.problem(doc, "spec", "required")
        return
    ctx.sli_sources[doc.name] = indicator_source(ctx, doc, doc.body, "spec")


def metric_source(ctx: Resolution, doc: Document, holder: Any, path: str) -> tuple[str | None, dict | None]:
    """('warehouse', spec) | ('external', None) | (None, None) after recording a problem."""
    src = holder.get("metricSource") if isinstance(holder, dict) else None
    if not isinstance(src, dict):
        ctx.problem(doc, f"{path}.metricSource", "required")
        return None, None
    ref = src.get("metricSourceRef")
    if ref is not None and ref not in ctx.by_kind.get("DataSource", {}):
        ctx.problem(doc, f"{path}.metricSource.metricSourceRef", f"no DataSource named {shown(ref)} in the catalog")
        return None, None
    kind = src.get("type") or (ctx.by_kind["DataSource"][ref].spec.get("type") if ref else None)
    if kind != "warehouse":
        return "external", None
    spec = src.get("spec")
    return "warehouse", spec if isinstance(spec, dict) else {}


def compiled(ctx: Resolution, doc: Document, text: Any, path: str) -> str | None:
    try:
        return compile_filter(text)
    except FilterError as exc:
        ctx.problem(doc, path, str(exc))
        return None


def indicator_source(ctx: Resolution, doc: Document, indicator: dict, path: str) -> dict | None:
    """What every objective of the SLO shares: kind, total filter, and good/bad filters of a ratio."""
    ispec = indicator["spec"]
    ratio, threshold = ispec.get("ratioMetric"), ispec.get("thresholdMetric")
    if isinstance(threshold, dict) and ratio is None:
        kind, spec = metric_source(ctx, doc, threshold, f"{path}.thresholdMetric")
        if kind is None:
            return None
        if kind == "external":
            return {"kind": "threshold", "not_computed": "the metric source is external"}
        if spec.get("measure", "value") not in ("value", "count"):
            ctx.problem(doc, f"{path}.thresholdMetric.metricSource.spec.measure",
                         f"must be value (compare each event's field) or count (events per slice), got {shown(spec.get('measure'))}")
            return None
        if spec.get("measure") == "count":  # throughput: weighted events per time slice
            total = compiled(ctx, doc, spec.get("filter", "true"), f"{path}.thresholdMetric.metricSource.spec.filter")
            return None if total is None else {"kind": "throughput", "total": total}
        field = spec.get("field", "latency_ms")
        if field not in numeric_fields():
            numeric = ", ".join(numeric_fields())
            ctx.problem(doc, f"{path}.thresholdMetric.metricSource.spec.field",
                         f"must be a numeric event field ({numeric}), got {shown(field)}")
            return None
        total = compiled(ctx, doc, spec.get("filter", "true"), f"{path}.thresholdMetric.metricSource.spec.filter")
        return None if total is None else {"kind": "threshold", "total": total, "field": field}
    if not isinstance(ratio, dict):
        ctx.problem(doc, path, "needs a ratioMetric or a thresholdMetric")
        return None
    if "raw" in ratio:
        return {"kind": "ratio", "not_computed": "a raw (pre-computed) ratio comes from an external source"}
    parts, external = {}, False
    for part in ("good", "bad", "total"):
        if part not in ratio:
            continue
        ppath = f"{path}.ratioMetric.{part}"
        kind, spec = metric_source(ctx, doc, ratio[part], ppath)
        if kind is None:
            return None
        if kind == "external":
            external = True
            continue
        sql = compiled(ctx, doc, spec.get("filter"), f"{ppath}.metricSource.spec.filter")
        if sql is None:
            return None
        parts[part] = sql
    if ("good" in ratio) == ("bad" in ratio) or "total" not in ratio:
        ctx.problem(doc, f"{path}.ratioMetric", "needs total and exactly one of good or bad")
        return None
    if external:
        return {"kind": "ratio", "not_computed": "a metric source is external"}
    good = parts["good"] if "good" in parts else f"not coalesce(({parts['bad']}), false)"
    # Good events are counted among total events only.
    return {"kind": "ratio", "total": parts["total"], "good": f"({parts['total']}) and ({good})"}
