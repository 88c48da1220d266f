"""The deploy gate: may a service ship now, under its SLO's budget policy?

Reads the marts read-only and fails closed: a deploy is allowed only when the SLO has a computed
budget that is not exhausted, no page-severity burn-rate alert fires at the latest evaluation, and
no page-severity exhaustion alert (the budget projected to run out within its horizon) fires on the
latest budget day. Ticket-severity alerts are reported but do not freeze.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb


class GateError(Exception):
    pass


@dataclass
class GateDecision:
    slo: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    status: str | None = None
    budget_remaining: float | None = None
    as_of: str | None = None
    evaluated_at: str | None = None
    firing: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate_gate(warehouse: Path, slo: str) -> GateDecision:
    if not Path(warehouse).exists():
        raise GateError(f"no warehouse at {warehouse}: run the pipeline first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise GateError(f"the warehouse is locked by a running pipeline ({warehouse}); try again when it ends") from exc
    with con:
        known = [r[0] for r in con.execute("select slo_name from marts.dim_slos where is_current order by 1").fetchall()]
        if slo not in known:
            raise GateError(f"no SLO named {slo!r}; known: {', '.join(known) or 'none'}")
        decision = GateDecision(slo=slo, allowed=True)
        budget = con.execute("""select as_of, status, budget_remaining, window_kind, window_start, window_end
                                from marts.fct_error_budget where slo_name = ? order by as_of desc limit 1""",
                             [slo]).fetchone()
        if budget is None:
            decision.reasons.append("no error budget has been computed for this SLO yet")
        else:
            as_of, status, remaining, kind, start, end = budget
            decision.as_of, decision.status, decision.budget_remaining = str(as_of), status, remaining
            if status == "exhausted":
                decision.reasons.append(f"error budget exhausted: {remaining:.1%} left of the {kind} window "
                                        f"{start}..{end} as of {as_of}")
        rows = con.execute("""select evaluated_at, long_window, short_window, burn_rate_long, burn_rate_short,
                                     threshold, severity
                              from marts.fct_burn_rate
                              where slo_name = ? and firing
                                and evaluated_at = (select max(evaluated_at) from marts.fct_burn_rate where slo_name = ?)
                              order by severity, threshold desc""", [slo, slo]).fetchall()
        latest = con.execute("select max(evaluated_at) from marts.fct_burn_rate where slo_name = ?", [slo]).fetchone()[0]
        decision.evaluated_at = str(latest) if latest else None
        for evaluated_at, long_w, short_w, burn_long, burn_short, threshold, severity in rows:
            decision.firing.append({"severity": severity, "long_window": long_w, "short_window": short_w,
                                    "burn_rate_long": burn_long, "burn_rate_short": burn_short,
                                    "threshold": threshold})
            if severity == "page":
                decision.reasons.append(f"fast burn firing: {burn_long:g}x over {long_w} and {burn_short:g}x over "
                                        f"{short_w} (threshold {threshold:g}x) at {evaluated_at}")
        exhausting = con.execute("""select condition_name, severity, horizon_days, projected_exhaustion, status
                                    from marts.fct_exhaustion_alerts
                                    where slo_name = ? and firing and as_of = ?
                                    order by severity, horizon_days, condition_name""",
                                 [slo, budget[0] if budget else None]).fetchall()
        for condition, severity, horizon, projected, status in exhausting:
            decision.firing.append({"severity": severity, "condition": condition, "horizon_days": horizon,
                                    "projected_exhaustion": str(projected) if projected else None})
            if severity == "page" and status != "exhausted":  # an exhausted budget is a reason already
                decision.reasons.append(f"error budget projected to run out on {projected}, within the {horizon}-day "
                                        f"horizon of {condition} (as of {budget[0]})")
    decision.allowed = not decision.reasons
    return decision
