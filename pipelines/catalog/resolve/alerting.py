"""AlertPolicy and AlertCondition documents -> the burn-rate conditions of the SLOs that name them."""

from __future__ import annotations

import re

from ..model import ROLLING_DAYS, SLM, THRESHOLD_OPS, UNIT_MINUTES, Document
from ..values import shown
from .context import Resolution


def condition_document(ctx: Resolution, doc: Document) -> None:
    """An AlertCondition document on its own, whether or not a policy uses it: its problems are
    its own, reported once however many policies refer to it."""
    ctx.conditions[doc.name] = alert_condition(ctx, doc.body, "", doc)


def alert_condition(ctx: Resolution, body: dict, path: str, owner: Document) -> dict | None:
    """The row of an AlertCondition (`body`, written at `path` inside `owner`): a burn-rate
    condition, or in an slm/v1 document an exhaustion one."""
    path = f"{path}." if path else ""
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    cond = spec.get("condition")
    if not isinstance(cond, dict):
        ctx.problem(owner, f"{path}spec.condition", "required")
        return None
    kind, ours = cond.get("kind", "burnrate"), body.get("apiVersion", owner.body.get("apiVersion")) == SLM
    named = {"condition_name": (body.get("metadata") or {}).get("name") or "", "severity": str(spec.get("severity") or "")}
    if kind == "exhaustion" and ours:
        days = horizon_days(ctx, owner, cond, f"{path}spec.condition.horizon")
        return None if days is None else {**named, "condition_kind": kind, "op": None, "threshold": None,
                                          "lookback_minutes": None, "alert_after_minutes": None, "horizon_days": days}
    if kind != "burnrate":
        ctx.problem(owner, f"{path}spec.condition.kind",
                    f"must be burnrate, or exhaustion in an slm/v1 AlertCondition (referred to by conditionRef), got {shown(kind)}")
        return None
    ok = True
    if cond.get("op") not in THRESHOLD_OPS:
        ctx.problem(owner, f"{path}spec.condition.op", f"must be one of {sorted(THRESHOLD_OPS)}")
        ok = False
    threshold = cond.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
        ctx.problem(owner, f"{path}spec.condition.threshold", f"must be a number > 0, got {shown(threshold)}")
        ok = False
    minutes = {}
    for field in ("lookbackWindow", "alertAfter"):
        m = re.fullmatch(r"(\d+)([mhdw])", str(cond.get(field, "")))
        if not m and not (field == "alertAfter" and field not in cond):
            ctx.problem(owner, f"{path}spec.condition.{field}", f"a duration like 5m, 1h, 1d or 1w, got {shown(cond.get(field))}")
            ok = False
        elif m:
            minutes[field] = int(m.group(1)) * UNIT_MINUTES[m.group(2)]
            if not 0 < minutes[field] <= ROLLING_DAYS[1] * 1440:
                ctx.problem(owner, f"{path}spec.condition.{field}",
                            f"from 1m to {ROLLING_DAYS[1]}d (the longest window), got {shown(cond.get(field))}")
                ok = False
    if not ok:
        return None
    return {**named, "condition_kind": kind, "op": cond["op"], "threshold": float(threshold),
            "lookback_minutes": minutes["lookbackWindow"], "alert_after_minutes": minutes.get("alertAfter", 0),
            "horizon_days": None}


def horizon_days(ctx: Resolution, owner: Document, cond: dict, where: str) -> int | None:
    """An exhaustion condition's horizon in whole days (`3d`, `2w`), up to the longest window."""
    m = re.fullmatch(r"(\d+)([dw])", str(cond.get("horizon", "")))
    days = int(m.group(1)) * (7 if m.group(2) == "w" else 1) if m else 0
    if not 0 < days <= ROLLING_DAYS[1]:
        ctx.problem(owner, where, f"whole days or weeks from 1d to {ROLLING_DAYS[1]}d, like 3d or 2w, got {shown(cond.get('horizon'))}")
        return None
    return days


def alert_policy(ctx: Resolution, doc: Document) -> None:
    """An AlertPolicy document: its conditions, for every SLO that names it."""
    ctx.alert_rows += policy_rows(ctx, doc, doc.spec, "spec", doc.name)


def slo_policies(ctx: Resolution, doc: Document) -> None:
    """An SLO's `alertPolicies` in every form the spec shows: a policy's name, an `alertPolicyRef`,
    or a policy inline (with inline or referenced conditions). A name that is no AlertPolicy is a
    problem: a policy never silently falls away."""
    for i, entry in enumerate(doc.spec.get("alertPolicies") or []):
        path = f"spec.alertPolicies[{i}]"
        if isinstance(entry, dict) and "alertPolicyRef" not in entry:  # inline
            spec = entry.get("spec") if isinstance(entry.get("spec"), dict) else {}
            name = (entry.get("metadata") or {}).get("name") or str(i)
            ctx.cat.alert_conditions += [{"slo_document": doc.name, **row}
                                         for row in policy_rows(ctx, doc, spec, f"{path}.spec", name)]
            continue
        name, where = (entry, path) if not isinstance(entry, dict) else (entry["alertPolicyRef"], f"{path}.alertPolicyRef")
        if name not in ctx.by_kind.get("AlertPolicy", {}):
            ctx.problem(doc, where, f"no AlertPolicy named {shown(name)} in the catalog")
        else:
            ctx.slo_alert_policies.append((doc.name, name))


def policy_rows(ctx: Resolution, owner: Document, spec: dict, path: str, policy: str) -> list[dict]:
    """The burn-rate rows of a policy's conditions (`spec`, written at `path` inside `owner`); its
    notification targets must name AlertNotificationTargets of the catalog."""
    for i, target in enumerate(spec.get("notificationTargets") or []):
        ref = target.get("targetRef") if isinstance(target, dict) else None
        if ref is not None and ref not in ctx.by_kind.get("AlertNotificationTarget", {}):
            ctx.problem(owner, f"{path}.notificationTargets[{i}].targetRef",
                        f"no AlertNotificationTarget named {shown(ref)} in the catalog")
    conditions = spec.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        ctx.problem(owner, f"{path}.conditions", "at least one condition is required")
        return []
    rows = []
    for i, c in enumerate(conditions):
        where = f"{path}.conditions[{i}]"
        if isinstance(c, dict) and "conditionRef" in c:
            if c["conditionRef"] not in ctx.by_kind.get("AlertCondition", {}):
                ctx.problem(owner, f"{where}.conditionRef", f"no AlertCondition named {shown(c['conditionRef'])} in the catalog")
                continue
            row = ctx.conditions.get(c["conditionRef"])  # None: its own problems are reported
        elif isinstance(c, dict):
            row = alert_condition(ctx, c, where, owner)
        else:
            ctx.problem(owner, where, "must be a conditionRef or an inline AlertCondition")
            continue
        if row:
            rows.append({"alert_policy": policy, **row})
    return rows
