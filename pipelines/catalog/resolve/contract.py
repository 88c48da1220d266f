"""slm/v1 Contract documents -> contract rows, their credit tiers and the exclusion kinds they honour."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...core.hashing import canonical_hash
from ..model import EXCLUSION_KINDS, MAX_AMOUNT, Document
from ..values import decimal_or_none, parse_date, shown
from .context import Resolution


def contract(ctx: Resolution, doc: Document) -> None:
    s = doc.spec
    slo = s.get("slo")
    if slo not in ctx.by_kind.get("SLO", {}):
        ctx.problem(doc, "spec.slo", f"no SLO named {shown(slo)} in the catalog")
    elif ctx.by_kind["SLO"][slo].spec.get("budgetingMethod", "Occurrences") == "Timeslices":
        ctx.note(doc, "spec.slo", "listed, not computed here: contracts on Timeslices SLOs are not computed "
                                   "(use Occurrences, or RatioTimeslices for uptime)")
    period = s.get("period", "month")
    if period not in ("month", "quarter"):
        ctx.problem(doc, "spec.period", f"must be month or quarter, got {shown(period)}")
    tz = s.get("timeZone", "UTC")
    not_computed = None
    if slo in ctx.by_kind.get("SLO", {}) and ctx.by_kind["SLO"][slo].spec.get("budgetingMethod", "Occurrences") == "Timeslices":
        not_computed = "contracts on Timeslices SLOs are not computed (use Occurrences, or RatioTimeslices for uptime)"
    try:
        ZoneInfo(str(tz))
        if tz != "UTC":
            reason = f"periods in {tz} are not computed yet (UTC only)"
            not_computed = "; ".join(r for r in (not_computed, reason) if r)
            ctx.note(doc, "spec.timeZone", f"listed, not computed here: {reason}")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        ctx.problem(doc, "spec.timeZone", f"unknown time zone {shown(tz)}")
    fee = s.get("fee") or {}
    amount = decimal_or_none(fee.get("amount"))
    if amount is None or not 0 <= amount < MAX_AMOUNT:
        ctx.problem(doc, "spec.fee.amount", f"must be a number >= 0 and under {MAX_AMOUNT:,}, got {shown(fee.get('amount'))}")
        amount = None
    currency = fee.get("currency")
    if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
        ctx.problem(doc, "spec.fee.currency", f"must be an ISO 4217 code like USD, got {shown(currency)}")
    tiers = s.get("creditTiers")
    rows = []
    if not isinstance(tiers, list) or not tiers:
        ctx.problem(doc, "spec.creditTiers", "at least one tier is required")
    else:
        for i, t in enumerate(tiers):
            below, pct = decimal_or_none((t or {}).get("below")), decimal_or_none((t or {}).get("creditPercent"))
            if below is None or not 0 < below <= 100:
                ctx.problem(doc, f"spec.creditTiers[{i}].below", f"must be a percentage in (0, 100], got {(t or {}).get('below')!r}")
                continue
            if pct is None or not 0 <= pct <= 100:
                ctx.problem(doc, f"spec.creditTiers[{i}].creditPercent", "must be a percentage in [0, 100]")
                continue
            rows.append({"contract_name": doc.name, "below_pct": float(below), "credit_pct": float(pct)})
        belows = [r["below_pct"] for r in rows]
        if len(set(belows)) != len(belows):
            ctx.problem(doc, "spec.creditTiers", "two tiers share the same `below` threshold")
        ordered = sorted(rows, key=lambda r: -r["below_pct"])
        if any(b["credit_pct"] < a["credit_pct"] for a, b in zip(ordered, ordered[1:])):
            ctx.problem(doc, "spec.creditTiers", "a lower attainment must not earn a smaller credit")
    cap = decimal_or_none(s.get("creditCapPercent", 100))
    if cap is None or not 0 <= cap <= 100:
        ctx.problem(doc, "spec.creditCapPercent", "must be a percentage in [0, 100]")
        cap = None
    minimum = decimal_or_none(s.get("minimumCredit", 0))
    if minimum is None or not 0 <= minimum < MAX_AMOUNT:
        ctx.problem(doc, "spec.minimumCredit", f"must be a number >= 0 and under {MAX_AMOUNT:,}")
        minimum = None
    kinds = s.get("exclusionKinds", [])
    if not isinstance(kinds, list) or any(k not in EXCLUSION_KINDS for k in kinds):
        ctx.problem(doc, "spec.exclusionKinds", f"must be a list of {sorted(EXCLUSION_KINDS)}")
        kinds = []
    missing = s.get("missingData", "excluded")
    if missing not in ("good", "bad", "excluded"):
        ctx.problem(doc, "spec.missingData", f"must be good, bad or excluded, got {shown(missing)}")
    start, end = parse_date(s.get("start")), parse_date(s.get("end"))
    if s.get("start") is not None and start is None:
        ctx.problem(doc, "spec.start", "must be a date YYYY-MM-DD")
    if s.get("end") is not None and end is None:
        ctx.problem(doc, "spec.end", "must be a date YYYY-MM-DD")
    if start and end and end <= start:
        ctx.problem(doc, "spec.end", "must be after start")
    terms = claim_terms(ctx, doc)
    scope = customer_scope(ctx, doc)
    if amount is None or cap is None or minimum is None or terms is None:
        return
    ctx.cat.contracts.append({
        "contract_name": doc.name,
        "customer": str(s.get("customer") or ""),
        "slo_name": slo,
        "period": period,
        "time_zone": tz,
        "start_date": start,
        "end_date": end,
        "fee_amount": f"{amount:f}",  # never in exponent notation (1E+3), which SQL casts refuse
        "currency": currency,
        "credit_cap_pct": float(cap),
        "minimum_credit": f"{minimum:f}",
        "missing_data": missing,
        "computed": not_computed is None,
        "not_computed_reason": not_computed,
        "definition_hash": canonical_hash(doc.body),
        "scope_customer": scope,
        **terms,
    })
    ctx.cat.credit_tiers.extend(rows)
    ctx.cat.contract_exclusion_kinds.extend({"contract_name": doc.name, "kind": k} for k in sorted(set(kinds)))


def customer_scope(ctx: Resolution, doc: Document) -> str | None:
    """`scope: {customer: NAME}`: the contract is computed on that customer's traffic, the group of
    its SLO's `groupBy: [customer]` (always a group of its own, whatever the SLO's groupLimit)."""
    scope = doc.spec.get("scope")
    if scope is None:
        return None
    customer = str(scope.get("customer") if scope.get("customer") is not None else "").strip()
    if not customer:
        ctx.problem(doc, "spec.scope.customer", "required in a scope (the customer whose traffic counts)")
        return None
    slo = ctx.by_kind.get("SLO", {}).get(doc.spec.get("slo"))
    if slo is not None and slo.spec.get("groupBy") != ["customer"]:
        ctx.problem(doc, "spec.scope.customer", f"the SLO {shown(doc.spec.get('slo'))} is not grouped by customer "
                                                "(add groupBy: [customer] to it)")
    return customer


def claim_terms(ctx: Resolution, doc: Document) -> dict | None:
    """`direction` (outbound: we owe the customer; inbound: a vendor owes us), and for an inbound
    contract its `vendor` and how a credit must be claimed: by the end of the `windowMonths`-th
    month after the period, or within `windowDays` days of its end, with the `evidence` it lists."""
    s = doc.spec
    direction = s.get("direction", "outbound")
    if direction not in ("outbound", "inbound"):
        ctx.problem(doc, "spec.direction", f"must be outbound or inbound, got {shown(direction)}")
        return None
    vendor, claim = s.get("vendor"), s.get("claim")
    if direction == "outbound":
        for field in ("vendor", "claim"):
            if field in s:
                ctx.problem(doc, f"spec.{field}", "only for a vendor's SLA to us (direction: inbound)")
        return {"direction": direction, "vendor": None, "claim_window_months": None, "claim_window_days": None,
                "claim_evidence": None}
    ok = True
    if vendor is None or not str(vendor).strip():
        ctx.problem(doc, "spec.vendor", "required for direction: inbound (who owes the credit)")
        ok = False
    if "customer" in s:
        ctx.problem(doc, "spec.customer", "an inbound contract names its vendor; we are the customer")
        ok = False
    claim = claim if isinstance(claim, dict) else {}
    months, days = claim.get("windowMonths"), claim.get("windowDays")
    if (months is None) == (days is None):
        ctx.problem(doc, "spec.claim", "give exactly one of windowMonths (claim by the end of the Nth month after "
                                       "the period) and windowDays (within N days of its end)")
        ok = False
    elif months is not None and not (isinstance(months, int) and 0 <= months <= 24):
        ctx.problem(doc, "spec.claim.windowMonths", f"a whole number of months from 0 to 24, got {shown(months)}")
        ok = False
    elif days is not None and not (isinstance(days, int) and 1 <= days <= 730):
        ctx.problem(doc, "spec.claim.windowDays", f"a whole number of days from 1 to 730, got {shown(days)}")
        ok = False
    if not ok:
        return None
    return {"direction": direction, "vendor": str(vendor).strip(), "claim_window_months": months,
            "claim_window_days": days, "claim_evidence": "; ".join(str(e) for e in claim.get("evidence") or [])}
