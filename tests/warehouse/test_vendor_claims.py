"""Vendor SLAs we are owed (issue 20, item 2): an inbound contract names the vendor, the SLO that
measures it from our side, the vendor's credit tiers and its claim rules; `fct_vendor_claims`
says what is owed, by when and where the claim stands; `slm claim` writes the pack from the
period's verified audit snapshot.

Worked by hand, October 2026. Our client-side calls to S3 (`s3-availability`): 1,000 on 10-05,
the first 15 failed, one a minute from 10:00 (the 1,000 spread over 10:00-10:59, so each of those
15 minutes held 17), and 1 good call on 10-31 so the month's data is complete: 986 / 1,001 =
98.5015 %. AWS's S3 tiers (below 99.9 % 10 %, below 99.0 % 25 %, below 95.0 % 100 %) give 25 % of
the 1,000.00 USD bill: 250.00 USD, to be claimed by the end of the second billing month after:
2026-12-31. Cloud Storage (`gcs-availability`): 3 of 1,000 failed on 10-05 and 1 good on 10-31:
998 / 1,001 = 99.7003 %, below 99.95 %: 10 % of 400.00 = 40.00 USD, under the 50.00 minimum
credit: not issued. Its claim window is 60 days after the month: 2026-12-30."""

import datetime as dt
import hashlib
import json
import os
import stat
import textwrap
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.audit.stores import SnapshotInfo
from pipelines.catalog import load_catalog
from pipelines.cli.app import main

CONTRACTS = """
---
apiVersion: slm/v1
kind: Contract
metadata: {name: aws-s3}
spec:
  direction: inbound
  vendor: Amazon Web Services
  slo: s3-availability
  fee: {amount: "1000.00", currency: USD}
  creditTiers: [{below: 99.9, creditPercent: 10}, {below: 99.0, creditPercent: 25}, {below: 95.0, creditPercent: 100}]
  claim: {windowMonths: 2, evidence: [request IDs and times of the failed calls, the affected bucket and region]}
---
apiVersion: slm/v1
kind: Contract
metadata: {name: gcs}
spec:
  direction: inbound
  vendor: Google Cloud
  slo: gcs-availability
  fee: {amount: "400.00", currency: USD}
  creditTiers: [{below: 99.95, creditPercent: 10}, {below: 99.0, creditPercent: 25}, {below: 95.0, creditPercent: 50}]
  minimumCredit: "50.00"
  claim: {windowDays: 60}
"""


def write_landing(landing: Path) -> None:
    for svc, failed in (("s3", 15), ("gcs", 3)):
        (landing / svc).mkdir(parents=True)
        calls = [{"timestamp": f"2026-10-05T10:{i % 60:02d}:00Z", "service": svc, "status_code": 503 if i < failed else 200}
                 for i in range(1000)]
        (landing / svc / "2026-10-05.jsonl").write_text("\n".join(json.dumps(c) for c in calls) + "\n")
        (landing / svc / "2026-10-31.jsonl").write_text(json.dumps(
            {"timestamp": "2026-10-31T12:00:00Z", "service": svc, "status_code": 200}) + "\n")


@pytest.fixture(scope="module")
def built(run_scenario, catalog_of, tmp_path_factory):
    return run_scenario(tmp_path_factory.mktemp("vendors"), write_landing, catalog_of("s3", "gcs") + CONTRACTS)


def claims(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("""select contract_name, vendor, cast(attained_pct as decimal(9, 4)), credit_amount,
                                     claim_deadline, claim_status, claimed_from_snapshot
                              from marts.fct_vendor_claims order by contract_name""").fetchall()


def claim(settings, *args):
    return CliRunner().invoke(main, ["claim", "--period", "2026-10", "--home", str(settings.home), *args])


def test_what_each_vendor_owes_and_by_when(built):
    from decimal import Decimal

    assert claims(built) == [
        ("aws-s3", "Amazon Web Services", Decimal("98.5015"), Decimal("250.00"), dt.date(2026, 12, 31), "claimable", None),
        ("gcs", "Google Cloud", Decimal("99.7003"), Decimal("0.00"), dt.date(2026, 12, 30), "below_minimum", None),
    ]
    # vendors' SLAs are not in our SLA report to customers
    done = CliRunner().invoke(main, ["report", "--period", "2026-10", "--format", "csv", "--out", str(built.home / "r"),
                                     "--home", str(built.home)])
    assert done.exit_code == 0 and (built.home / "r" / "sla-report-2026-10.csv").read_text().count("\n") == 1


def test_a_claim_pack_from_the_verified_snapshot(built):
    refused = claim(built, "--contract", "aws-s3")
    assert refused.exit_code == 1 and "no audit snapshot of 2026-10" in refused.output
    from pipelines.audit.snapshot import create_snapshot

    snap = create_snapshot(built, "2026-10")
    # after the snapshot, a late file adds 5 failed calls inside the outage (10:05-10:09) and one
    # of its own at 11:00: the claim quotes the snapshot's figures, so neither is in the pack
    landed = built.landing if isinstance(built.landing, Path) else Path(built.landing)
    (landed / "s3" / "2026-10-05-late.jsonl").write_text("".join(json.dumps(
        {"timestamp": f"2026-10-05T{t}:00Z", "service": "s3", "status_code": 503}) + "\n"
        for t in ("10:05", "10:06", "10:07", "10:08", "10:09", "11:00")))
    from pipelines.cli.runner import run_pipeline
    assert run_pipeline(built, out=lambda line: None).success
    with duckdb.connect(str(built.warehouse), read_only=True) as con:  # the live figures moved
        assert con.execute("""select count(*), sum(bad_events) from marts.fct_contract_outages
                              where contract_name = 'aws-s3'""").fetchone() == (2, 21)
        # the windows of a snapshot made before fct_contract_outages was frozen come from the live
        # minute base: 10:00-10:15 with 15 + 5 of 255 + 5 failed, and 11:00 alone, 1 of 1
        from pipelines.reports.claim import frozen_outages, outage_windows
        live = outage_windows(con, "s3-availability", dt.date(2026, 10, 1), dt.date(2026, 11, 1), set())
    assert [(f"{w['start']:%H:%M}", f"{w['end']:%H:%M}", w["bad_events"], w["total_events"]) for w in live] == [
        ("10:00", "10:15", 20.0, 260.0), ("11:00", "11:01", 1.0, 1.0)]
    assert frozen_outages(None, SnapshotInfo("old", "old", {"files": []}), {}, dt.date(2026, 10, 1)) is None
    done = claim(built, "--contract", "aws-s3", "--by", "finance-ops")
    assert done.exit_code == 0, done.output
    assert ("claim aws-s3 2026-10: Amazon Web Services owes 250.00 USD (98.5015 % attained, tier below 99 %), "
            "claim by 2026-12-31") in done.output
    pack = built.claims / "aws-s3-2026-10"
    body = json.loads((pack / "claim.json").read_text())
    assert (body["credit_amount"], body["credit_pct"], body["fee_in_force"], body["claim_deadline"]) == (
        "250.00", "25.0000", "1000.00", "2026-12-31")
    manifest_sha = hashlib.sha256((snap.path / "manifest.json").read_bytes()).hexdigest()
    assert body["snapshot"] == {"id": snap.snapshot_id, "manifest_sha256": manifest_sha, "verified": True, "public_key": None}
    assert body["evidence_required"] == ["request IDs and times of the failed calls", "the affected bucket and region"]
    # one outage window, 10:00-10:15: 15 failed of the 15 x 17 calls in it, in the landed file named by its hash
    # (the snapshot's; the late file is no evidence of its figures)
    assert (body["outage_windows"], body["outage_windows_from"]) == (1, "snapshot")
    sha = hashlib.sha256((landed / "s3" / "2026-10-05.jsonl").read_bytes()).hexdigest()
    rows = (pack / "outages.csv").read_text().splitlines()
    assert rows == ["start_utc,end_utc,minutes,bad_events,total_events,evidence_files",
                    f"2026-10-05 10:00:00,2026-10-05 10:15:00,15,15,255,s3/2026-10-05.jsonl sha256:{sha}"]
    assert "**250.00 USD**" in (pack / "claim.md").read_text()
    # written once; nothing owed is nothing to claim; a claim is logged for the next run
    again = claim(built, "--contract", "aws-s3")
    assert again.exit_code == 1 and "was claimed already" in again.output
    below = claim(built, "--contract", "gcs")
    assert below.exit_code == 1 and "nothing to claim: gcs attained 99.7003 %" in below.output and "minimum credit" in below.output
    assert run_pipeline(built, out=lambda line: None).success
    assert claims(built)[0][5:] == ("claimed", snap.snapshot_id)
    # a snapshot that does not verify yields no claim
    target = snap.path / "fct_sla_compliance.parquet"
    for p in (snap.path, target):
        os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 1
    target.write_bytes(bytes(data))
    tampered = claim(built, "--contract", "aws-s3", "--out", str(built.home / "second"))
    assert tampered.exit_code == 1 and "fails verification" in tampered.output and "fct_sla_compliance.parquet" in tampered.output
    assert not (built.home / "second").exists()


@pytest.mark.parametrize("spec, path, message", [
    ("direction: inbound\n  claim: {windowMonths: 2}", "spec.vendor", "required for direction: inbound"),
    ("direction: inbound\n  vendor: AWS\n  claim: {windowMonths: 2, windowDays: 30}", "spec.claim", "give exactly one of"),
    ("direction: inbound\n  vendor: AWS\n  claim: {windowDays: 0}", "spec.claim.windowDays", "from 1 to 730"),
    ("vendor: AWS", "spec.vendor", "only for a vendor's SLA to us"),
    ("direction: sideways", "spec.direction", "must be outbound or inbound"),
])
def test_inbound_terms_are_checked(tmp_path, catalog_of, spec, path, message):
    (tmp_path / "catalog.yaml").write_text(textwrap.dedent(catalog_of("s3")) + textwrap.dedent(f"""
    ---
    apiVersion: slm/v1
    kind: Contract
    metadata: {{name: c}}
    spec:
      slo: s3-availability
      fee: {{amount: 10, currency: USD}}
      creditTiers: [{{below: 99, creditPercent: 10}}]
    """) + f"  {spec}\n")
    problems = [(p.path, p.message) for p in load_catalog(tmp_path).problems]
    assert len(problems) == 1 and problems[0][0] == path and message in problems[0][1], problems
