"""AlertPolicy and AlertCondition documents -> the burn-rate conditions of the SLOs that name them."""

from __future__ import annotations

import re

from ..model import THRESHOLD_OPS, Document
from .context import Resolution


def alert_condition(ctx: Resolution, body: dict, path: str, owner: Document) -> dict | None:
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    cond = spec.get("condition")
    if not isinstance(cond, dict):
        ctx.problem(owner, f"{path}.spec.condition", "required")
        return None
    ok = True
    if cond.get("kind", "burnrate") != "burnrate":
        ctx.problem(owner, f"{path}.spec.condition.kind", f"only burnrate is supported, got {cond.get('kind')!r}")
        ok = False
    if cond.get("op") not in THRESHOLD_OPS:
        ctx.problem(owner, f"{path}.spec.condition.op", f"must be one of {sorted(THRESHOLD_OPS)}")
        ok = False
    threshold = cond.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
        ctx.problem(owner, f"{path}.spec.condition.threshold", f"must be a number > 0, got {threshold!r}")
        ok = False
    minutes = {}
    for field in ("lookbackWindow", "alertAfter"):
        m = re.fullmatch(r"(\d+)([mhd])", str(cond.get(field, "")))
        if not m and not (field == "alertAfter" and field not in cond):
            ctx.problem(owner, f"{path}.spec.condition.{field}", f"a duration like 5m, 1h or 1d, got {cond.get(field)!r}")
            ok = False
        elif m:
            minutes[field] = int(m.group(1)) * {"m": 1, "h": 60, "d": 1440}[m.group(2)]
    if not ok:
        return None
    return {
        "condition_name": (body.get("metadata") or {}).get("name") or "",
        "severity": str(spec.get("severity") or ""),
        "op": cond["op"],
        "threshold": float(threshold),
        "lookback_minutes": minutes["lookbackWindow"],
        "alert_after_minutes": minutes.get("alertAfter", 0),
    }


def alert_policy(ctx: Resolution, doc: Document) -> None:
    conditions = doc.spec.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        ctx.problem(doc, "spec.conditions", "at least one condition is required")
        return
    for i, c in enumerate(conditions):
        path = f"spec.conditions[{i}]"
        if isinstance(c, dict) and "conditionRef" in c:
            ref = ctx.by_kind.get("AlertCondition", {}).get(c["conditionRef"])
            if ref is None:
                ctx.problem(doc, f"{path}.conditionRef", f"no AlertCondition named {c['conditionRef']!r} in the catalog")
                continue
            row = alert_condition(ctx, ref.body, path, doc)
        elif isinstance(c, dict):
            row = alert_condition(ctx, c, path, doc)
        else:
            ctx.problem(doc, path, "must be a conditionRef or an inline AlertCondition")
            continue
        if row:
            ctx.alert_rows.append({"alert_policy": doc.name, **row})
