import json
import os
import shutil
import stat

import duckdb
import pytest

from conftest import writable
from pipelines.settings import Settings
from pipelines.audit.stores import LocalSnapshotStore, SnapshotError, write_once
from pipelines.core.hashing import canonical_hash
from pipelines.audit.snapshot import create_snapshot, freeze_marts, latest_complete_period
from pipelines.core.periods import period_bounds
from pipelines.core.hashing import sha256_file


def test_snapshot_freezes_the_period_with_hashes_counts_and_lineage(scenario_copy, scenario_run):
    info = create_snapshot(scenario_copy, "2026-10", created_by="auditor-test")
    m = info.manifest
    assert info.snapshot_id == "000001-2026-10" and m["sequence"] == 1 and m["previous_manifest_sha256"] is None
    assert (m["period_start"], m["period_end"], m["created_by"]) == ("2026-10-01", "2026-11-01", "auditor-test")
    with duckdb.connect(str(scenario_copy.warehouse), read_only=True) as con:
        sli_rows = con.execute("select count(*) from marts.fct_sli_daily "
                               "where day >= '2026-10-01' and day < '2026-11-01'").fetchone()[0]
    assert m["row_counts"]["fct_sli_daily"] == sli_rows > 0
    for f in m["files"]:
        path = info.path / f["path"]
        assert sha256_file(path) == f["sha256"] and path.stat().st_size == f["bytes"]
        assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only
    # every landed file that fed October: web (10-01), api (10-02), the ten generated catalog days
    # and the incident of 10-25 (budget attribution)
    assert {i["path"].split("/")[0] for i in m["inputs"]} == {"web", "api", "catalog", "incidents"}
    assert len(m["inputs"]) == 13
    # lineage: the whole lake state the period depends on (here all of it, back to 50 days before
    # October: the 7-week volume baseline and the 28-day windows), kept as a hashed file
    lineage = json.loads((info.path / "lineage.json").read_text())
    assert m["lineage"] == {"file": "lineage.json", "start": "2026-08-12", "files": 13} == {
        "file": "lineage.json", "start": lineage["lineage_start"], "files": len(lineage["files"])}
    # dbt: the scenario's run built and tested every node; its results are recorded per node
    _, outcome, _ = scenario_run
    run = next(r for r in m["dbt"]["runs"] if r["dagster_run_id"] == outcome.run_id)
    assert run["window"] == {"min_date": "2026-10-01", "max_date": "2026-10-30"} and not run["full_refresh"]
    assert set(run["statuses"]) == {"success", "pass", "no-op"} and run["statuses"]["no-op"] == 2  # the exposures
    assert m["dbt"]["not_ok"] == []
    assert m["dbt"]["nodes"]["model.slm_warehouse.fct_sli_daily"]["status"] == "success"
    assert {f["kind"] for f in m["files"]} == {"mart", "lineage", "catalog"}
    assert set(m["row_counts"]) == {f["path"].removesuffix(".parquet") for f in m["files"] if f["kind"] == "mart"}
    assert LocalSnapshotStore(scenario_copy.snapshots).verify(info.snapshot_id) == []


def test_the_same_data_gives_the_same_bytes(scenario_copy, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    start, end = period_bounds("2026-10")
    freeze_marts(scenario_copy.warehouse, a, start, end)
    freeze_marts(scenario_copy.warehouse, b, start, end)
    assert [sha256_file(p) for p in sorted(a.iterdir())] == [sha256_file(p) for p in sorted(b.iterdir())]


def test_unchanged_data_is_not_snapshotted_twice_and_new_snapshots_chain(scenario_copy):
    first = create_snapshot(scenario_copy, "2026-10")
    again = create_snapshot(scenario_copy, "2026-10")
    assert again.reused and again.snapshot_id == first.snapshot_id
    second = create_snapshot(scenario_copy, "2026-10", contract="acme")
    assert second.snapshot_id == "000002-2026-10-acme"
    assert second.manifest["previous_manifest_sha256"] == sha256_file(first.path / "manifest.json")
    assert second.manifest["row_counts"]["fct_sla_compliance"] == 1
    store = LocalSnapshotStore(scenario_copy.snapshots)
    assert [s.snapshot_id for s in store.entries()] == ["000001-2026-10", "000002-2026-10-acme"]
    assert store.verify(first.snapshot_id) == [] and store.verify(second.snapshot_id) == []


@pytest.mark.parametrize("tamper, expected", [
    ("flip_byte", "fct_sli_daily.parquet has changed (sha256 mismatch)"),
    ("delete_file", "fct_error_budget.parquet is missing"),
    ("add_file", "unexpected file extra.csv"),
    ("edit_manifest", "manifest.json was edited"),
])
def test_tampering_with_a_snapshot_is_caught(scenario_copy, tamper, expected):
    info = create_snapshot(scenario_copy, "2026-10")
    writable(info.path)
    if tamper == "flip_byte":
        target = info.path / "fct_sli_daily.parquet"
        writable(target)
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
    elif tamper == "delete_file":
        (info.path / "fct_error_budget.parquet").unlink()
    elif tamper == "add_file":
        (info.path / "extra.csv").write_text("a,b\n")
    else:
        manifest = info.path / "manifest.json"
        writable(manifest)
        body = json.loads(manifest.read_text())
        body["row_counts"]["fct_sla_compliance"] += 1
        manifest.write_text(json.dumps(body))
    problems = LocalSnapshotStore(scenario_copy.snapshots).verify(info.snapshot_id)
    assert any(expected in p for p in problems), problems


def test_breaking_the_chain_is_caught(scenario_copy):
    first = create_snapshot(scenario_copy, "2026-10")
    second = create_snapshot(scenario_copy, "2026-10", contract="strict")
    store = LocalSnapshotStore(scenario_copy.snapshots)
    # an edited (even re-hashed) earlier manifest no longer matches the hash its successor holds
    manifest = first.path / "manifest.json"
    writable(first.path), writable(manifest)
    manifest.write_text(manifest.read_text().replace('"created_by"', '"created_by" ', 1))
    assert any("does not match the chain hash" in p for p in store.verify(second.snapshot_id))
    # and a removed snapshot leaves a hole
    shutil.rmtree(first.path)
    assert any("previous snapshot 000001-2026-10 is missing from the chain" in p for p in store.verify(second.snapshot_id))


def test_the_store_never_overwrites(scenario_copy):
    info = create_snapshot(scenario_copy, "2026-10")
    with pytest.raises(FileExistsError):
        (info.path).mkdir()
    writable(info.path)
    with pytest.raises(FileExistsError):
        write_once(info.path / "fct_sli_daily.parquet", b"new numbers")


def test_bad_periods_and_empty_warehouses_are_clear_errors(scenario_copy, tmp_path):
    with pytest.raises(SnapshotError, match="not YYYY-MM"):
        create_snapshot(scenario_copy, "2026-13")
    with pytest.raises(SnapshotError, match="no warehouse"):
        create_snapshot(Settings.resolve(tmp_path / "empty"), "2026-10")
    with pytest.raises(SnapshotError, match="no contract named 'nobody'"):
        create_snapshot(scenario_copy, "2026-10", contract="nobody")
    # the scenario ends on 2026-10-29: October is not complete, and it is the only month
    assert latest_complete_period(scenario_copy.warehouse) == "2026-10"


def test_snapshot_commands_create_list_and_verify(scenario_copy):
    from click.testing import CliRunner

    from pipelines.cli import main

    runner = CliRunner()
    home = ["--home", str(scenario_copy.home)]
    created = runner.invoke(main, ["snapshot", "create", "--period", "2026-10", *home],
                            env={"SLM_CATALOG": str(scenario_copy.catalog), "SLM_LANDING": scenario_copy.landing})
    assert created.exit_code == 0, created.output
    assert "snapshot 000001-2026-10 (period 2026-10)" in created.output
    listed = runner.invoke(main, ["snapshot", "list", *home])
    assert listed.output.startswith("000001-2026-10  period=2026-10")
    shown = json.loads(runner.invoke(main, ["snapshot", "show", "000001-2026-10", *home]).stdout)
    assert (shown["snapshot_id"], shown["period"]) == ("000001-2026-10", "2026-10")
    assert runner.invoke(main, ["snapshot", "verify", "--all", *home]).exit_code == 0
    target = scenario_copy.snapshots / "000001-2026-10" / "fct_sla_compliance.parquet"
    writable(target.parent), writable(target)
    target.write_bytes(target.read_bytes() + b"\0")
    failed = runner.invoke(main, ["snapshot", "verify", "000001-2026-10", *home])
    assert failed.exit_code == 1
    assert "000001-2026-10: fct_sla_compliance.parquet has changed (sha256 mismatch)" in failed.output


def test_signed_manifests_verify_with_the_public_key_and_catch_every_forgery(scenario_copy, tmp_path):
    from pipelines.audit.signing import SigningError, generate_keypair

    private, public = generate_keypair(tmp_path / "keys")
    other_private, other_public = generate_keypair(tmp_path / "other")
    with pytest.raises(SigningError, match="never overwritten"):
        generate_keypair(tmp_path / "keys")
    info = create_snapshot(scenario_copy, "2026-10", signing_key=private)
    store = LocalSnapshotStore(scenario_copy.snapshots)
    assert info.manifest["signature"]["algorithm"] == "ed25519"
    assert store.verify(info.snapshot_id, public) == []
    assert store.verify(info.snapshot_id) == []  # hashes and chain still checked without the key
    assert store.verify(info.snapshot_id, other_public) == [
        f"{info.snapshot_id}: manifest.json.sig: signed with another key than the public key given"]

    # a forger who rewrites the manifest and its body hash cannot re-sign it without the key
    writable(info.path)
    manifest = info.path / "manifest.json"
    writable(manifest)
    body = json.loads(manifest.read_text())
    body["row_counts"]["fct_sla_compliance"] += 1
    body["manifest_body_sha256"] = canonical_hash({k: v for k, v in body.items() if k != "manifest_body_sha256"})
    manifest.write_text(json.dumps(body, indent=2, sort_keys=True))
    assert store.verify(info.snapshot_id, public) == [f"{info.snapshot_id}: the signature does not match manifest.json"]
    # removing the signature is caught even without the key: the manifest names it
    (info.path / "manifest.json.sig").unlink()
    assert f"{info.snapshot_id}: manifest.json.sig is missing (the manifest says it was signed)" in store.verify(
        info.snapshot_id)
    # an unsigned snapshot checked against a key is reported, and a bad key is refused before writing
    unsigned = create_snapshot(scenario_copy, "2026-10", contract="acme")
    assert store.verify(unsigned.snapshot_id, public) == [f"{unsigned.snapshot_id}: not signed, but a public key was given"]
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(SigningError, match="is not a PEM private key"):
        create_snapshot(scenario_copy, "2026-10", contract="strict", signing_key=tmp_path / "bad.pem")
    assert [s.snapshot_id for s in store.entries()] == [info.snapshot_id, unsigned.snapshot_id]


def test_keygen_sign_and_verify_from_the_command_line(scenario_copy, tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main

    runner, home = CliRunner(), ["--home", str(scenario_copy.home)]
    made = runner.invoke(main, ["snapshot", "keygen", "--out", str(tmp_path / "keys")])
    assert made.exit_code == 0 and "snapshot-signing.pub.pem" in made.output
    private, public = tmp_path / "keys" / "snapshot-signing.pem", tmp_path / "keys" / "snapshot-signing.pub.pem"
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    created = runner.invoke(main, ["snapshot", "create", "--period", "2026-10", *home],
                            env={"SLM_CATALOG": str(scenario_copy.catalog), "SLM_SIGNING_KEY": str(private)})
    assert created.exit_code == 0, created.output
    unchecked = runner.invoke(main, ["snapshot", "verify", "--all", *home])
    assert unchecked.exit_code == 0 and "(signatures not checked: give --public-key)" in unchecked.output
    checked = runner.invoke(main, ["snapshot", "verify", "--all", "--public-key", str(public), *home])
    assert checked.exit_code == 0 and "every file hash, the chain and every signature match" in checked.output
    pulled = runner.invoke(main, ["snapshot", "pull", "000001-2026-10", "--to", str(tmp_path / "out"),
                                  "--public-key", str(public), *home])
    assert pulled.exit_code == 0, pulled.output
    assert (tmp_path / "out" / "000001-2026-10" / "manifest.json.sig").exists()
    again = runner.invoke(main, ["snapshot", "keygen", "--out", str(tmp_path / "keys")])
    assert again.exit_code == 1 and again.output.startswith("slm: error: ") and "never overwritten" in again.output


def test_a_restatement_needs_a_reason_names_what_it_supersedes_and_both_stay(scenario_copy):
    first = create_snapshot(scenario_copy, "2026-10")
    # late data changed October's first day (simulated on this private copy of the warehouse)
    with duckdb.connect(str(scenario_copy.warehouse)) as con:
        day = con.execute("select min(day) from marts.fct_sli_daily where day >= '2026-10-01'").fetchone()[0]
        con.execute("update marts.fct_sli_daily set good_events = good_events - 1 where day = ?", [day])
    with pytest.raises(SnapshotError, match="was snapshotted as 000001-2026-10 and its numbers have changed since"):
        create_snapshot(scenario_copy, "2026-10")
    second = create_snapshot(scenario_copy, "2026-10", restate_reason="late server logs for 10-05 (INC-88)")
    assert second.snapshot_id == "000002-2026-10"
    assert second.manifest["restatement"] == {
        "supersedes": "000001-2026-10", "reason": "late server logs for 10-05 (INC-88)",
        "supersedes_manifest_sha256": sha256_file(first.path / "manifest.json")}
    assert first.manifest["restatement"] is None
    store = LocalSnapshotStore(scenario_copy.snapshots)
    assert [s.snapshot_id for s in store.entries()] == ["000001-2026-10", "000002-2026-10"]
    assert store.verify("000001-2026-10") == [] and store.verify("000002-2026-10") == []
    # the restated numbers differ exactly in the SLI file
    changed = {f["path"] for f in second.manifest["files"]} - {
        f["path"] for f in second.manifest["files"] if f in first.manifest["files"]}
    assert changed == {"fct_sli_daily.parquet"}


def test_pull_hands_over_a_verified_copy_and_refuses_a_tampered_one(scenario_copy, tmp_path):
    info = create_snapshot(scenario_copy, "2026-10")
    store = LocalSnapshotStore(scenario_copy.snapshots)
    target = store.pull(info.snapshot_id, tmp_path / "handover")
    assert target == tmp_path / "handover" / info.snapshot_id
    assert sorted(p.name for p in target.iterdir()) == sorted([f["path"] for f in info.manifest["files"]] + ["manifest.json"])
    for name in [f["path"] for f in info.manifest["files"]] + ["manifest.json"]:
        assert sha256_file(target / name) == sha256_file(info.path / name)
    with pytest.raises(SnapshotError, match="exists: pull into an empty place"):
        store.pull(info.snapshot_id, tmp_path / "handover")
    victim = info.path / "fct_error_budget.parquet"
    writable(info.path), writable(victim)
    victim.write_bytes(victim.read_bytes()[:-1])
    with pytest.raises(SnapshotError, match=r"fails verification \(1 problem\(s\), first: .*fct_error_budget.parquet has changed"):
        store.pull(info.snapshot_id, tmp_path / "elsewhere")
    assert not (tmp_path / "elsewhere").exists()


class Killed(BaseException):
    """The writer dies here (SIGKILL leaves the same files: nothing after this point runs)."""


def test_a_snapshot_killed_before_its_manifest_is_partial_ignored_and_chained_past(scenario_copy, monkeypatch):
    from click.testing import CliRunner

    from pipelines.audit.stores import MANIFEST
    from pipelines.cli import main

    first = create_snapshot(scenario_copy, "2026-10")
    put = LocalSnapshotStore._put

    def killed_at_the_manifest(self, sid, name, data):
        if name == MANIFEST:
            raise Killed
        return put(self, sid, name, data)

    monkeypatch.setattr(LocalSnapshotStore, "_put", killed_at_the_manifest)
    with pytest.raises(Killed):
        create_snapshot(scenario_copy, "2026-10", contract="acme")
    monkeypatch.setattr(LocalSnapshotStore, "_put", put)
    partial = scenario_copy.snapshots / "000002-2026-10-acme"
    assert partial.is_dir() and any(partial.iterdir()) and not (partial / MANIFEST).exists()
    # the next snapshot takes the next number and chains onto the last whole one
    third = create_snapshot(scenario_copy, "2026-10", contract="strict")
    assert third.snapshot_id == "000003-2026-10-strict"
    assert third.manifest["previous_snapshot_id"] == first.snapshot_id
    assert third.manifest["previous_manifest_sha256"] == sha256_file(first.path / MANIFEST)
    runner, home = CliRunner(), ["--home", str(scenario_copy.home)]
    verified = runner.invoke(main, ["snapshot", "verify", "--all", *home])
    assert verified.exit_code == 0, verified.output
    assert "000002-2026-10-acme: partial snapshot (its writer stopped before the manifest)" in verified.output
    assert "2 snapshot(s) verified" in verified.output
    assert "000002-2026-10-acme  period=?  created=PARTIAL" in runner.invoke(main, ["snapshot", "list", *home]).output
    # asked for by name, a partial snapshot is not a verified one, and cannot be pulled
    assert runner.invoke(main, ["snapshot", "verify", "000002-2026-10-acme", *home]).exit_code == 1
    with pytest.raises(SnapshotError, match="partial snapshot"):
        LocalSnapshotStore(scenario_copy.snapshots).pull("000002-2026-10-acme", scenario_copy.home / "out")
    # a whole snapshot whose manifest is removed afterwards is not taken for a partial one: its
    # folder was sealed
    writable(third.path)
    (third.path / MANIFEST).unlink()
    os.chmod(third.path, 0o555)
    failed = runner.invoke(main, ["snapshot", "verify", "--all", *home])
    assert failed.exit_code == 1
    assert "000003-2026-10-strict: manifest.json is missing or unreadable, though the snapshot was sealed" in failed.output


def test_a_snapshot_freezes_the_catalog_the_marts_were_built_from(scenario_copy, tmp_path):
    from pipelines.audit.contents import CATALOG_FILE
    from pipelines.catalog import load_catalog

    built = load_catalog(scenario_copy.catalog).content_hash
    edited = tmp_path / "edited"
    shutil.copytree(scenario_copy.catalog, edited)
    text = (edited / "catalog.yaml").read_text()
    (edited / "catalog.yaml").write_text(text.replace("creditCapPercent: 50", "creditCapPercent: 40", 1))
    assert load_catalog(edited).content_hash != built
    for catalog in (edited, tmp_path / "nowhere"):  # edited since the run, or not set for this command
        home = tmp_path / f"home-{catalog.name}"
        shutil.copytree(scenario_copy.home, home, symlinks=True)
        info = create_snapshot(Settings.resolve(home, scenario_copy.landing, catalog), "2026-10")
        assert info.manifest["catalog_sha256"] == built
        assert load_catalog(info.path / CATALOG_FILE).content_hash == built
