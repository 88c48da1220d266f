"""The short human summary printed at the end of `slm demo` / `slm run`; reads marts read-only."""

from pathlib import Path

import duckdb

from ..quality.results import CheckVerdict


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _pct(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def slo_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("""
        select slo_name, window_kind, window_start, window_end, as_of, target, sli_adjusted,
               budget_remaining, status, projected_exhaustion
        from marts.fct_error_budget
        qualify row_number() over (partition by slo_name order by as_of desc) = 1
        order by slo_name
    """).fetchall()
    body = [[
        name, f"{kind} {start}..{end}", str(as_of), _pct(target, 2), _pct(sli), _pct(remaining, 1), status,
        str(proj) if proj else "-",
    ] for name, kind, start, end, as_of, target, sli, remaining, status, proj in rows]
    lines = _table(["SLO", "window", "as of", "target", "SLI", "budget left", "status", "exhausts"], body)
    listed = con.execute("""select slo_name, not_computed_reason from marts.dim_slos
                            where is_current and not computed order by slo_name""").fetchall()
    lines += [f"  {name}: listed, not computed here ({reason})" for name, reason in listed]
    return lines


def contract_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("""
        select contract_name, customer, period_start, period_complete, attained_pct, target_pct,
               credit_pct, credit_amount, currency, coverage
        from marts.fct_sla_compliance order by contract_name, period_start
    """).fetchall()
    body = [[
        name, customer, period.strftime("%Y-%m") + ("" if complete else " (open)"),
        "n/a" if att is None else f"{att:.4f} %", f"{target:.2f} %", f"{credit_pct:.2f} %",
        f"{credit_amount:,.2f} {currency}", _pct(coverage, 2),
    ] for name, customer, period, complete, att, target, credit_pct, credit_amount, currency, coverage in rows]
    return _table(["contract", "customer", "period", "attained", "target", "credit", "amount", "coverage"], body)


def check_lines(checks: list[CheckVerdict]) -> list[str]:
    ours = [c for c in checks if not c.is_dbt_test]
    dbt_tests = [c for c in checks if c not in ours]
    lines = []
    for c in ours:
        verdict = "passed" if c.passed else f"FAILED ({c.severity.lower()})"
        lines.append(f"  {c.asset}/{c.name}: {verdict}")
        gaps = c.metadata.get("gap_list")
        if not c.passed and isinstance(gaps, list) and gaps:
            for g in gaps:
                lines.append(f"    {g['service']} ({g['source']}): no telemetry {g['gap_start'][:16]} .. "
                             f"{g['gap_end'][:16]} UTC, {g['gap_minutes']} min (~{g['expected_records']:,.0f} records "
                             f"expected by {g['expected_by']})")
        failed = c.metadata.get("failed_expectations")
        if not c.passed and isinstance(failed, list) and not gaps:
            for f in failed:
                evidence = f.get("rows") or f.get("sample") or f.get("observed")
                shown = evidence[:3] if isinstance(evidence, list) else evidence
                lines.append(f"    {f['expectation']} on {f['column']}: {f.get('unexpected_count', 0)} row(s), e.g. {shown}")
    if dbt_tests:
        bad = [c for c in dbt_tests if not c.passed]
        lines.append(f"  dbt tests: {len(dbt_tests) - len(bad)}/{len(dbt_tests)} passed"
                     + (": failed " + ", ".join(f"{c.asset}/{c.name}" for c in bad) if bad else ""))
    return lines


def render(warehouse: Path, checks: list[CheckVerdict], snapshot: dict | None = None) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        parts = ["", "SLOs (latest day, budgets over each SLO's own window, exclusions applied):"]
        parts += slo_lines(con)
        parts += ["", "Contracts (attainment under each contract's own exclusions):"]
        parts += contract_lines(con)
    parts += ["", "Data quality checks:"] + check_lines(checks)
    if snapshot:
        parts += ["", f"Audit snapshot {snapshot['snapshot_id']} (period {snapshot['period']}): {snapshot['path']}"]
    parts += ["", f"Warehouse: {warehouse}  (marts schema: marts)"]
    return "\n".join(parts)
