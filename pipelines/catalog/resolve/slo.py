"""SLO documents -> one row per objective. A valid SLO we cannot compute yet is kept with a note
(and `computed = false`), never dropped."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...core.hashing import canonical_hash
from ..filters import MAX_LITERAL, compile_filter
from ..model import (BUDGETING_METHODS, CALENDAR_UNIT_DAYS, CALENDAR_UNITS, DEFAULT_GROUP_LIMIT, DEFAULT_ROLLING_DAYS,
                     GROUP_BY_FIELDS, GROUP_LIMIT_RANGE, ROLLING_DAYS,
                     REVIEW_CADENCE_ANNOTATION, ROLLING_UNIT_DAYS, THRESHOLD_OPS, UNIT_MINUTES,
                     Document)
from ..values import dst_shift_minutes, parse_timestamp, shown, slug
from .alerting import slo_policies
from .context import Resolution
from .indicator import find_indicator


def slo(ctx: Resolution, doc: Document) -> None:
    """One row per objective. A valid SLO we cannot compute yet is kept with a note, never dropped."""
    spec = doc.spec
    service = spec.get("service")
    if not service:
        ctx.problem(doc, "spec.service", "required")
    elif service not in ctx.by_kind.get("Service", {}):
        ctx.problem(doc, "spec.service", f"no Service named {shown(service)} in the catalog")
    slo_policies(ctx, doc)
    # A composite SLO (v1) has no indicator of its own: each objective brings one, and a weight.
    composite = "indicator" not in spec and "indicatorRef" not in spec
    indicator, source = (None, None) if composite else find_indicator(ctx, doc, spec, "spec")
    window = time_window(ctx, doc)
    group_by, group_limit = grouping(ctx, doc, composite)
    method = spec.get("budgetingMethod", "Occurrences")
    if method not in BUDGETING_METHODS:
        ctx.problem(doc, "spec.budgetingMethod", f"must be one of {', '.join(BUDGETING_METHODS)}, got {shown(method)}")
        method = None
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        ctx.problem(doc, "spec.objectives", "at least one objective is required")
        return
    labels = objective_keys(objectives)
    if composite and method == "Timeslices":
        ctx.note(doc, "spec.budgetingMethod", "a composite of Timeslices objectives (a slice bad for any objective is "
                                              "bad for the composite): each objective is computed, the composite is not")
    # Every objective is checked even when the window, method or indicator is wrong (each problem
    # is reported at once); rows come only from an SLO without problems of its own.
    for i, obj in enumerate(objectives):
        path = f"spec.objectives[{i}]"
        if not isinstance(obj, dict):
            ctx.problem(doc, path, "must be a mapping")
            continue
        if composite:
            indicator, source = find_indicator(ctx, doc, obj, path)
        elif "indicator" in obj or "indicatorRef" in obj:
            ctx.problem(doc, path, "an objective's own indicator makes a composite SLO, which has none of its own")
            continue
        target = objective_target(ctx, doc, obj, path)
        if source is None or method is None:  # what else an objective needs depends on these
            continue
        slices = time_slices(ctx, doc, obj, path, method, source["kind"])
        good = objective_good_filter(ctx, doc, obj, path, source)
        if target is None or slices is None or good is False or window is None or group_limit is None:
            continue
        reasons = [r for r in (source.get("not_computed"), window.get("not_computed")) if r]
        shift = dst_shift_minutes(window.get("tz", "UTC"))
        if shift and slices.get("minutes") and shift % slices["minutes"]:
            reasons.append(f"time slices in {window['tz']} must divide its {shift}-minute daylight-saving shift")
        if reasons:
            ctx.note(doc, path, "listed, not computed here: " + "; ".join(reasons))
        key = doc.name if len(objectives) == 1 else f"{doc.name}.{labels[i]}"
        ctx.cat.slos.append({
            "slo_name": key,
            "slo_document": doc.name,
            "objective": labels[i],
            "service": service,
            "display_name": (doc.body.get("metadata") or {}).get("displayName") or doc.name,
            "indicator_name": (indicator.get("metadata") or {}).get("name") or "",
            "indicator_kind": source["kind"],
            "good_filter_sql": good,
            "total_filter_sql": source.get("total"),
            "target": target,
            "budgeting_method": method,
            "time_slice_target": slices.get("target"),
            "time_slice_minutes": slices.get("minutes"),
            "slice_count_op": THRESHOLD_OPS[obj["op"]] if source["kind"] == "throughput" else None,
            "slice_count_value": float(obj["value"]) if source["kind"] == "throughput" else None,
            "window_kind": window["kind"],
            "window_days": window.get("days"),
            "calendar_unit": window.get("unit"),
            "calendar_count": window.get("count"),
            "calendar_anchor": window.get("anchor"),
            "time_zone": window.get("tz", "UTC"),
            "computed": not reasons,
            "not_computed_reason": "; ".join(reasons) or None,
            "definition_hash": canonical_hash({"slo": computed_body(doc), "indicator": indicator, "objective": i}),
            "valid_from_annotation": ctx.valid_from(doc),
            "composite_weight": float(obj.get("compositeWeight", 1)) if composite else None,
            "group_by": group_by,
            "group_limit": group_limit if group_by else None,
        })


def grouping(ctx: Resolution, doc: Document, composite: bool) -> tuple[str | None, int | None]:
    """(`groupBy` field or None, `groupLimit`); a None limit when either is wrong."""
    spec = doc.spec
    group_by, limit = spec.get("groupBy"), spec.get("groupLimit", DEFAULT_GROUP_LIMIT)
    ok = True
    if group_by is not None and (not isinstance(group_by, list) or len(group_by) != 1
                                 or group_by[0] not in GROUP_BY_FIELDS):
        ctx.problem(doc, "spec.groupBy", f"must be [{', '.join(GROUP_BY_FIELDS)}] (one field), got {shown(group_by)}")
        ok = False
    elif group_by and composite:
        ctx.problem(doc, "spec.groupBy", "a composite SLO is not grouped (group its member SLOs)")
        ok = False
    low, high = GROUP_LIMIT_RANGE
    if "groupLimit" in spec and not group_by:
        ctx.problem(doc, "spec.groupLimit", "only with groupBy")
        ok = False
    elif isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
        ctx.problem(doc, "spec.groupLimit", f"must be a whole number from {low} to {high}, got {shown(limit)}")
        ok = False
    return (group_by[0] if ok and group_by else None), (limit if ok else None)


def computed_body(doc: Document) -> dict:
    """The document as far as it decides the figures: its review cadence is governance, and a new
    cadence is not a new definition version."""
    annotations = (doc.body.get("metadata") or {}).get("annotations")
    if not isinstance(annotations, dict) or REVIEW_CADENCE_ANNOTATION not in annotations:
        return doc.body
    kept = {k: v for k, v in annotations.items() if k != REVIEW_CADENCE_ANNOTATION}
    metadata = {k: v for k, v in doc.body["metadata"].items() if k != "annotations"}
    return {**doc.body, "metadata": {**metadata, **({"annotations": kept} if kept else {})}}


def objective_keys(objectives: list) -> list[str]:
    """An objective's key: its displayName as a slug ("99 % fast" -> "99-fast"), else its index.
    Objectives may share a displayName (v1 does not forbid it): those add their index."""
    labels = [slug(str(o.get("displayName") or i)) if isinstance(o, dict) else str(i) for i, o in enumerate(objectives)]
    return [f"{label}-{i}" if labels.count(label) > 1 else label for i, label in enumerate(labels)]


def objective_target(ctx: Resolution, doc: Document, obj: dict, path: str) -> float | None:
    if "target" in obj:
        target, field = obj["target"], "target"
    elif "targetPercent" in obj:
        raw = obj["targetPercent"]
        target, field = (raw / 100 if isinstance(raw, (int, float)) and not isinstance(raw, bool) else raw), "targetPercent"
    else:
        ctx.problem(doc, f"{path}.target", "required (or targetPercent)")
        return None
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 <= target < 1:
        written = obj[field]
        bounds = "[0, 1)" if field == "target" else "[0, 100)"
        ctx.problem(doc, f"{path}.{field}", f"must be a number in {bounds}, got {shown(written)}")
        return None
    return float(target)


def time_slices(ctx: Resolution, doc: Document, obj: dict, path: str, method: str, kind: str) -> dict | None:
    if kind == "throughput" and method != "Timeslices":
        ctx.problem(doc, "spec.budgetingMethod", f"a throughput (count) indicator needs Timeslices, got {shown(method)}")
        return None
    if method == "Occurrences":
        return {}
    out: dict = {}
    window = obj.get("timeSliceWindow")
    # a duration shorthand, or a bare number of minutes (OpenSLO v1: "5" is five minutes)
    m = re.fullmatch(r"(\d+)([smhd]?)", "" if isinstance(window, bool) else str(window or ""))
    if not m:
        ctx.problem(doc, f"{path}.timeSliceWindow", f"{method} needs a slice length like 5, 1m or 1h, got {shown(window)}")
        return None
    seconds = int(m.group(1)) * {"s": 1, "m": 60, "": 60, "h": 3600, "d": 86_400}[m.group(2)]
    if seconds % 60 or not 60 <= seconds <= 86_400 or 86_400 % seconds:
        ctx.problem(doc, f"{path}.timeSliceWindow", "slices are whole minutes that divide a day (1m, 5m, 1h, ...)")
        return None
    out["minutes"] = seconds // 60
    if method == "Timeslices" and kind != "throughput":
        t = obj.get("timeSliceTarget")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= 1:
            ctx.problem(doc, f"{path}.timeSliceTarget", f"Timeslices needs a slice target in (0, 1], got {shown(t)}")
            return None
        out["target"] = float(t)
    return out


def objective_good_filter(ctx: Resolution, doc: Document, obj: dict, path: str, source: dict) -> str | None | bool:
    """The good filter for one objective (None when not computed, False after a problem)."""
    if source["kind"] == "ratio":
        return source.get("good")
    op, value = obj.get("op"), obj.get("value")
    if source["kind"] == "throughput":
        # Every counted event is "good"; the slice's count is compared with op/value later.
        return slice_count_threshold(ctx, doc, obj, path) and source["total"]
    if op not in THRESHOLD_OPS:
        ctx.problem(doc, f"{path}.op", f"a thresholdMetric objective needs op {sorted(THRESHOLD_OPS)}, got {shown(op)}")
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < MAX_LITERAL:
        # every numeric event field is >= 0; the filter language has no negative literals
        ctx.problem(doc, f"{path}.value", f"a thresholdMetric objective needs a number >= 0, got {shown(value)}")
        return False
    if "total" not in source:
        return None
    # The threshold text is built from checked parts and compiled like any filter.
    condition = compile_filter(f"{source['field']} {THRESHOLD_OPS[op]} {value!r}")
    return f"({source['total']}) and ({condition})"


def slice_count_threshold(ctx: Resolution, doc: Document, obj: dict, path: str) -> bool:
    """A throughput objective compares each slice's event count with a non-negative value."""
    op, value = obj.get("op"), obj.get("value")
    if op not in THRESHOLD_OPS:
        ctx.problem(doc, f"{path}.op", f"a throughput objective needs op {sorted(THRESHOLD_OPS)}, got {shown(op)}")
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < MAX_LITERAL:
        ctx.problem(doc, f"{path}.value", f"a throughput objective needs a count >= 0 per slice, got {shown(value)}")
        return False
    return True


def time_window(ctx: Resolution, doc: Document) -> dict | None:
    """The SLO's window: rolling N days, or N calendar units from the calendar's startTime in its
    time zone. What v1 allows and is not computed here carries `not_computed` (a rolling window of
    hours, a calendar window starting at a time other than midnight)."""
    windows = doc.spec.get("timeWindow")
    if windows is None:  # optional in v1
        ctx.note(doc, "spec.timeWindow", f"none given: computed over a rolling {DEFAULT_ROLLING_DAYS}-day window "
                                         "(this warehouse's default)")
        return {"kind": "rolling", "days": DEFAULT_ROLLING_DAYS}
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        ctx.problem(doc, "spec.timeWindow", "exactly one time window is required")
        return None
    w, path = windows[0], "spec.timeWindow[0].duration"
    m = re.fullmatch(r"([1-9][0-9]*)([mhdwMQY])", str(w.get("duration", "")))
    if not m:
        ctx.problem(doc, path, f"not a duration like 28d or 1M: {shown(w.get('duration'))}")
        return None
    n, unit = int(m.group(1)), m.group(2)
    if w.get("isRolling", False):
        minutes = n * (ROLLING_UNIT_DAYS.get(unit, 0) * 1440 or UNIT_MINUTES[unit])
        days = -(-minutes // 1440)
        if not ROLLING_DAYS[0] <= days <= ROLLING_DAYS[1]:
            ctx.problem(doc, path, f"a rolling window is {ROLLING_DAYS[0]} to {ROLLING_DAYS[1]} days, got {shown(w.get('duration'))}")
            return None
        part = (f"a rolling window of {w['duration']} is not whole days: windows here are counted in local days"
                if minutes % 1440 else None)
        return {"kind": "rolling", "days": days, "not_computed": part}
    cal = w.get("calendar") if isinstance(w.get("calendar"), dict) else {}
    tz = cal.get("timeZone", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        ctx.problem(doc, "spec.timeWindow[0].calendar.timeZone", f"unknown time zone {shown(tz)}")
        return None
    start = None
    if cal.get("startTime") is not None:
        start = parse_timestamp(str(cal["startTime"]).replace(" ", "T"))
        if start is None:
            ctx.problem(doc, "spec.timeWindow[0].calendar.startTime", f"not a time: {shown(cal['startTime'])}")
            return None
    reasons = []
    if unit in "mh":  # hours and minutes: computed when they make whole days
        minutes = n * (60 if unit == "h" else 1)
        n, unit = max(1, minutes // 1440), "d"
        if minutes % 1440:
            reasons.append(f"a calendar window of {w['duration']} is not whole days: windows here are local days")
    if n * CALENDAR_UNIT_DAYS[CALENDAR_UNITS[unit]] > ROLLING_DAYS[1]:
        ctx.problem(doc, path, f"a calendar window is at most {ROLLING_DAYS[1]} days, got {shown(w.get('duration'))}")
        return None
    # Windows are counted from startTime's local day; without one, from a Monday (weeks) or a 1 January.
    anchor = start.date() if start else (dt.date(2000, 1, 3) if unit == "w" else dt.date(2000, 1, 1))
    if start and start.time() != dt.time(0):
        reasons.append(f"a window starting at {start.time()} local: windows here start at a local midnight")
    return {"kind": "calendar", "unit": CALENDAR_UNITS[unit], "count": n, "anchor": anchor, "tz": tz,
            "not_computed": "; ".join(reasons) or None}
