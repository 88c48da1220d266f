"""Exhaustion alerts (issue 19, item 6): an slm/v1 AlertCondition `{kind: exhaustion, horizon}` fires
when the budget is projected to run out within the horizon, and `slm gate` freezes on a page one.

Worked by hand: web-availability at 99 % over 28 rolling days sees 1,000 requests on 2026-10-01,
4 of them failed. Allowed 0.01 x 1,000 = 10, spent 4, so 6 remain. The trailing burn is 4 bad over
the last 7 days = 4/7 a day, and 6 / (4/7) = 10.5 days: the budget runs out during the 11th day,
2026-10-12. A page condition with an 11-day horizon fires (its last day counts); a ticket condition
with 10 days does not."""

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.catalog import load_catalog

CATALOG = """
---
apiVersion: slm/v1
kind: AlertCondition
metadata: {name: gone-within-11d}
spec: {severity: page, condition: {kind: exhaustion, horizon: 11d}}
---
apiVersion: slm/v1
kind: AlertCondition
metadata: {name: gone-within-10d}
spec: {severity: ticket, condition: {kind: exhaustion, horizon: 10d}}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: oncall}
spec: {target: pagerduty}
""" + "".join(f"""
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {{name: {name}}}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  alertWhenNoData: false
  conditions: [{{conditionRef: {name}}}]
  notificationTargets: [{{targetRef: oncall}}]
""" for name in ("gone-within-11d", "gone-within-10d"))


def write_landing(landing: Path) -> None:
    (landing / "web").mkdir(parents=True)
    lines = [json.dumps({"timestamp": f"2026-10-01T10:{i % 60:02d}:00Z", "service": "web",
                         "status_code": 500 if i < 4 else 200}) for i in range(1000)]
    (landing / "web" / "2026-10-01.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def built(run_scenario, catalog_of, tmp_path_factory):
    catalog = catalog_of("web").replace("  objectives: [{target: 0.99}]",
                                        "  objectives: [{target: 0.99}]\n  alertPolicies: [gone-within-11d, gone-within-10d]")
    assert "alertPolicies" in catalog
    return run_scenario(tmp_path_factory.mktemp("exhaustion"), write_landing, catalog + CATALOG)


def test_the_projection_fires_within_its_horizon_only(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        got = con.execute("""select condition_name, severity, as_of, horizon_days, projected_exhaustion, days_to_exhaustion, firing
                             from marts.fct_exhaustion_alerts order by condition_name""").fetchall()
        burn_rows = con.execute("select count(*) from marts.fct_burn_rate where slo_name = 'web-availability'").fetchone()[0]
    first, gone = dt.date(2026, 10, 1), dt.date(2026, 10, 12)
    assert got == [("gone-within-10d", "ticket", first, 10, gone, 11, False),
                   ("gone-within-11d", "page", first, 11, gone, 11, True)]
    # the SLO's policies name only exhaustion conditions: no burn-rate defaults are added
    assert burn_rows == 0


def test_the_gate_freezes_on_a_page_exhaustion_alert(built):
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "gate", "--slo", "web-availability",
                           "--home", str(built.home)], capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("FREEZE: error budget projected to run out on 2026-10-12, within the 11-day horizon of gone-within-11d "
            "(as of 2026-10-01)") in done.stdout
    assert "budget healthy (60.0% left as of 2026-10-01)" in done.stdout and "deploy frozen" in done.stdout


def test_an_exhaustion_condition_is_ours_and_its_horizon_whole_days(tmp_path):
    (tmp_path / "catalog.yaml").write_text(textwrap.dedent("""
    apiVersion: openslo/v1
    kind: AlertCondition
    metadata: {name: not-openslo}
    spec: {severity: page, condition: {kind: exhaustion, horizon: 3d}}
    ---
    apiVersion: slm/v1
    kind: AlertCondition
    metadata: {name: hours}
    spec: {severity: page, condition: {kind: exhaustion, horizon: 36h}}
    ---
    apiVersion: slm/v1
    kind: AlertCondition
    metadata: {name: missing}
    spec: {severity: page, condition: {kind: exhaustion}}
    """))
    found = {(p.name, p.path): p.message for p in load_catalog(tmp_path).problems}
    assert found[("hours", "spec.condition.horizon")].startswith("whole days or weeks from 1d to 3660d, like 3d or 2w, got '36h'")
    assert found[("missing", "spec.condition.horizon")].endswith("got null")
    # OpenSLO's own schema allows only burnrate; the problem says where exhaustion belongs
    assert any(name == "not-openslo" and path.startswith("spec.condition") for name, path in found), found
