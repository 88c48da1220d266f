"""Contract reporting from the audit snapshots (issue 21): a closed period with a snapshot is
reported from that snapshot, verified first and named on every page; a statement per customer
holds that contract only, with an appendix an auditor follows; the finance CSV reconciles to the
snapshot to the cent; a period without a snapshot is provisional on every page."""

import csv
import io
import os
import re
import stat
import subprocess
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.audit.signing import generate_keypair
from pipelines.audit.snapshot import create_snapshot
from pipelines.audit.stores import MANIFEST, snapshot_store
from pipelines.core.hashing import sha256_bytes
from pipelines.reports.pages import ReportError
from pipelines.reports.sla import write_report
from pipelines.reports.statement import write_statement

PERIOD = "2026-10"


def pdf_pages(path) -> list[str]:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return [p for p in done.stdout.split("\f") if p.strip()]


def frozen(settings, snapshot_id: str, name: str) -> list[dict]:
    return pq.read_table(snapshot_store(settings).location(snapshot_id) / name).to_pylist()


@pytest.fixture
def signed(scenario_copy, tmp_path, monkeypatch):
    """The scenario's October snapshotted with a signing key; (settings, snapshot, public key)."""
    private, public = generate_keypair(tmp_path / "keys")
    monkeypatch.setenv("SLM_SIGNING_KEY", str(private))
    info = create_snapshot(scenario_copy, PERIOD, created_by="statement-test")
    return scenario_copy, info, public


def test_a_statement_comes_from_its_verified_snapshot_and_names_it_on_every_page(signed, tmp_path):
    settings, info, public = signed
    paths = {p.suffix[1:]: p for p in write_statement(settings, "acme", PERIOD, ["html", "pdf"], tmp_path / "out", public)}
    manifest_sha = sha256_bytes(snapshot_store(settings).read(info.snapshot_id, MANIFEST))
    key = info.manifest["signature"]["public_key_sha256"]
    html = paths["html"].read_text()
    pages = pdf_pages(paths["pdf"])
    assert pages
    for text in pages + [html]:
        flat = " ".join(text.split())
        assert f"From audit snapshot {info.snapshot_id}, verified" in flat
        assert manifest_sha in flat.replace(" ", "") and key in flat.replace(" ", "")
    # the figures are the snapshot's rows, not the live marts'
    [row] = [r for r in frozen(settings, info.snapshot_id, "fct_sla_compliance.parquet")
             if r["contract_name"] == "acme" and str(r["period_start"]) == "2026-10-01"]
    assert f"{row['attained_pct']:.4f} %" in html
    assert f"{row['credit_amount']:,.2f} {row['currency']}" in html
    assert f"{row['fee_in_force']:,.2f} {row['currency']}" in html
    # acme's failed requests all fell in the maintenance window it honours: no outage counted
    assert [o for o in frozen(settings, info.snapshot_id, "fct_contract_outages.parquet")
            if o["contract_name"] == "acme"] == []
    assert "None: no counted request failed." in html
    # the exclusion acme honours, with its reason, approver and ticket (as the snapshot froze them)
    honoured = [x for x in frozen(settings, info.snapshot_id, "dim_exclusions.parquet") if x["kind"] == "maintenance"]
    assert honoured and all(x["reason"] in html and x["approved_by"] in html for x in honoured)
    # the appendix: every evidence file's hash, as the manifest lists it, and the commands
    listed = {f["path"]: f["sha256"] for f in info.manifest["files"]}
    for name in ("fct_sla_compliance.parquet", "fct_sli_daily.parquet", "fct_contract_outages.parquet"):
        assert f"{name}  {listed[name]}" in html
    assert f"slm snapshot pull {info.snapshot_id} --to ./evidence --public-key key.pem" in html
    # nothing of the other contract
    for text in pages + [html]:
        assert "strict" not in text.lower() and "initech" not in text.lower()
    # strict honours no exclusion: the same 02:00 failures are its outage window, from the snapshot
    strict = write_statement(settings, "strict", PERIOD, ["html", "pdf"], tmp_path / "strict", public)
    strict_html = strict[0].read_text()
    [o] = [o for o in frozen(settings, info.snapshot_id, "fct_contract_outages.parquet") if o["contract_name"] == "strict"]
    assert f"<td>{o['outage_start']}</td><td>{o['outage_end']}</td><td>{o['minutes']}</td>" in strict_html
    assert "None honoured in this period." in strict_html
    for text in pdf_pages(strict[1]) + [strict_html]:
        assert "acme" not in text.lower()


def test_the_bad_events_of_the_outage_windows_are_the_contracts_counted_failures(signed):
    settings, info, _ = signed
    rows = {r["contract_name"]: r for r in frozen(settings, info.snapshot_id, "fct_sla_compliance.parquet")
            if str(r["period_start"]) == "2026-10-01"}
    outages = frozen(settings, info.snapshot_id, "fct_contract_outages.parquet")
    for name in ("acme", "strict"):
        r = rows[name]
        windows = [o for o in outages if o["contract_name"] == name]
        # events contracts: counted failures = counted total - counted good, with no missing-data imputation
        if r["unit"] == "events" and not r["imputed_events"]:
            assert sum(float(o["bad_events"]) for o in windows) == pytest.approx(
                float(r["counted_total_events"]) - float(r["counted_good_events"]))
        # windows are disjoint runs of whole minutes, in order
        for a, b in zip(windows, windows[1:]):
            assert a["outage_end"] < b["outage_start"]
        assert all((o["outage_end"] - o["outage_start"]).total_seconds() == 60 * o["minutes"] for o in windows)


def test_a_flipped_byte_in_the_snapshot_stops_the_report(signed, tmp_path):
    settings, info, public = signed
    target = snapshot_store(settings).location(info.snapshot_id) / "fct_sla_compliance.parquet"
    os.chmod(target, os.stat(target).st_mode | stat.S_IWUSR)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    for write in (lambda: write_statement(settings, "acme", PERIOD, ["html"], tmp_path / "s", public),
                  lambda: write_report(settings, PERIOD, ["csv"], tmp_path / "r", public)):
        with pytest.raises(ReportError, match=rf"audit snapshot {info.snapshot_id} of {PERIOD} fails verification: "
                                              r".*fct_sla_compliance\.parquet"):
            write()
    assert not (tmp_path / "s").exists() or not list((tmp_path / "s").iterdir())


def test_a_restated_period_names_both_snapshots(signed, tmp_path):
    settings, first, public = signed
    with duckdb.connect(str(settings.warehouse)) as con:  # late data changed a figure of the period
        con.execute("update marts.fct_sla_compliance set credit_amount = credit_amount + 1 "
                    "where contract_name = 'acme' and period_start = '2026-10-01'")
    second = create_snapshot(settings, PERIOD, restate_reason="late data for acme")
    assert second.manifest["restatement"]["supersedes"] == first.snapshot_id
    [html] = write_statement(settings, "acme", PERIOD, ["html"], tmp_path, public)
    text = html.read_text()
    assert f"From audit snapshot {second.snapshot_id}, verified" in text
    assert f"restates snapshot {first.snapshot_id}" in text


def test_the_finance_csv_carries_the_snapshot_and_reconciles_to_the_cent(signed, tmp_path):
    settings, info, public = signed
    [path] = write_report(settings, PERIOD, ["csv"], tmp_path, public)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    manifest_sha = sha256_bytes(snapshot_store(settings).read(info.snapshot_id, MANIFEST))
    assert rows and {(r["snapshot_id"], r["manifest_sha256"]) for r in rows} == {(info.snapshot_id, manifest_sha)}
    frozen_rows = [r for r in frozen(settings, info.snapshot_id, "fct_sla_compliance.parquet")
                   if str(r["period_start"]) == "2026-10-01"]
    assert sorted(r["contract"] for r in rows) == sorted(r["contract_name"] for r in frozen_rows)
    assert sum(Decimal(r["credit_amount"]) for r in rows) == sum(r["credit_amount"] for r in frozen_rows)
    assert sum(Decimal(r["fee_in_force"]) for r in rows) == sum(r["fee_in_force"] for r in frozen_rows)


def test_without_a_snapshot_every_page_says_provisional(scenario_copy, tmp_path):
    paths = write_statement(scenario_copy, "acme", PERIOD, ["html", "pdf"], tmp_path)
    paths += write_report(scenario_copy, PERIOD, ["html", "csv", "pdf"], tmp_path)
    for p in paths:
        if p.suffix == ".pdf":
            pages = pdf_pages(p)
            assert pages and all("PROVISIONAL: NOT SNAPSHOTTED" in " ".join(t.split()) for t in pages), p
        elif p.suffix == ".html":
            assert "PROVISIONAL: NOT SNAPSHOTTED" in p.read_text()
        else:
            assert {r["snapshot_id"] for r in csv.DictReader(p.open())} == {"provisional"}


def test_a_statement_for_an_unknown_contract_is_a_clear_error(scenario_copy, tmp_path):
    with pytest.raises(ReportError, match="holds no figures of contract 'nobody' for 2026-10"):
        write_statement(scenario_copy, "nobody", PERIOD, ["html"], tmp_path)


def _words(pdf) -> list[tuple[int, float, float, float, float, str]]:
    done = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True)
    out, page = [], 0
    for line in done.stdout.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', line)
        if m:
            out.append((page, *map(float, m.groups()[:4]), m.group(5)))
    return out


def test_long_table_cells_wrap_and_long_tables_repeat_their_header(tmp_path):
    """Cells wrap inside their columns (no word overprints another or leaves the page), and a
    table that runs over a page repeats its header on the next."""
    from pipelines.reports.pages import Pdf

    reason = ("Quarterly failover test of the primary database cluster, announced to every customer "
              "fourteen days ahead as the contract requires, run by the platform team ") * 2
    doc = Pdf("wrap test", footer="From audit snapshot 000001-2026-10, verified; manifest SHA-256 " + "ab" * 32)
    doc.page()
    doc.table(["exclusion", "kind", "window", "reason", "approved by", "ticket"],
              [[f"failover-{i}", "maintenance", "2026-10-01 02:00:00 to 2026-10-01 03:00:00", reason,
                "Head of Platform Engineering", f"CHG-{1000 + i}"] for i in range(30)], [27, 22, 38, 47, 26, 20])
    path = tmp_path / "wrap.pdf"
    path.write_bytes(doc.output())
    words = _words(path)
    pages = {w[0] for w in words}
    assert len(pages) >= 3
    width_pt, height_pt = 595.28, 841.89  # A4
    for page, x0, y0, x1, y1, _ in words:
        assert 0 <= x0 < x1 <= width_pt and 0 <= y0 < y1 <= height_pt
    for page in pages:
        on = [w for w in words if w[0] == page]
        assert any(w[5] == "approved" for w in on), f"page {page} lacks the repeated header"
        assert any(w[5] == "000001-2026-10," for w in on), f"page {page} lacks the footer"
        for i, a in enumerate(on):
            for b in on[i + 1:]:
                overlap = min(a[3], b[3]) - max(a[1], b[1]) > 0.5 and min(a[4], b[4]) - max(a[2], b[2]) > 0.5
                assert not overlap, (a, b)


def test_the_statement_from_the_command_line(scenario_copy, tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main

    home = ["--home", str(scenario_copy.home)]
    missing = CliRunner().invoke(main, ["report", "--kind", "statement", "--period", PERIOD, *home])
    assert missing.exit_code == 2 and "--kind statement needs --contract NAME" in missing.output
    done = CliRunner().invoke(main, ["report", "--kind", "statement", "--contract", "strict", "--period", PERIOD,
                                     "--out", str(tmp_path / "out"), *home])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sla-statement-strict-2026-10.html",
                                                          "sla-statement-strict-2026-10.pdf"]
    csv_asked = CliRunner().invoke(main, ["report", "--kind", "statement", "--contract", "strict", "--period", PERIOD,
                                          "--format", "csv", *home])
    assert csv_asked.exit_code == 1 and "a statement is html or pdf, not csv" in csv_asked.output


def test_a_contract_is_reported_from_its_own_snapshot_before_the_periods():
    from pipelines.audit.stores.base import SnapshotInfo
    from pipelines.reports.source import period_snapshot

    def snap(sid, period, contract=None, partial=False):
        return SnapshotInfo(sid, sid, None if partial else {"period": period, "contract": contract}, partial=partial)

    entries = [snap("000001-2026-10", "2026-10"), snap("000002-2026-10-acme", "2026-10", "acme"),
               snap("000003-2026-10", "2026-10"), snap("000004-2026-10-acme", "2026-10", "acme", partial=True),
               snap("000005-2026-11-acme", "2026-11", "acme")]
    # acme has its own snapshot: that one, though the whole period's was restated after it; the
    # partial one (its writer stopped) is not in the chain
    assert period_snapshot(entries, "2026-10", "acme").snapshot_id == "000002-2026-10-acme"
    assert period_snapshot(entries, "2026-10", "strict").snapshot_id == "000003-2026-10"  # the period's newest
    assert period_snapshot(entries, "2026-10").snapshot_id == "000003-2026-10"
    assert period_snapshot(entries, "2026-11") is None  # only a contract's own: not the whole period's
    assert period_snapshot(entries, "2026-11", "acme").snapshot_id == "000005-2026-11-acme"
    assert period_snapshot(entries, "2026-09", "acme") is None
