"""`slm snapshot verify --recompute` (issue 7): a snapshot's period rebuilt from the retained lake
must give byte-identical marts, and a changed lake must be caught."""

import json

import duckdb
import pyarrow.parquet as pq
from click.testing import CliRunner

from pipelines.catalog import load_catalog
from pipelines.cli import main
from pipelines.audit.snapshot import create_snapshot


def test_a_snapshot_recomputes_byte_for_byte_and_a_changed_lake_is_caught(scenario_copy):
    full_home = scenario_copy
    info = create_snapshot(full_home, "2026-10")
    m = info.manifest
    # the definitions in force are frozen with the numbers and hash back to the manifest's catalog hash
    assert load_catalog(info.path).content_hash == m["catalog_sha256"] == load_catalog(full_home.catalog).content_hash
    lineage = json.loads((info.path / "lineage.json").read_text())
    assert {f["file_sha256"] for f in lineage["files"]} == {e["sha256"] for e in m["inputs"]}  # all of it is October
    runner = CliRunner()
    home = ["--home", str(full_home.home)]
    ok = runner.invoke(main, ["snapshot", "verify", "--recompute", info.snapshot_id, *home])
    assert ok.exit_code == 0, ok.output
    marts = [f["path"].removesuffix(".parquet") for f in m["files"] if f["kind"] == "mart"]
    for mart in marts:
        assert f"{mart}: same content hash" in ok.output
    assert f"all {len(marts)} marts reproduce byte for byte" in ok.output

    # somebody rewrites one landed file: api's single 500 becomes a 200
    api = next(e for e in m["inputs"] if e["path"].startswith("api/"))
    landed = full_home.lake / "files" / f"{api['sha256']}.parquet"
    table = pq.read_table(landed)
    with duckdb.connect() as con:
        con.register("t", table)
        fixed = con.execute("select * replace (200 as status_code, (select any_value(outcome) from t "
                            "where status_code = 200) as outcome) from t").to_arrow_table()
    assert fixed.num_rows == table.num_rows == 1000
    landed.unlink()
    pq.write_table(fixed.cast(table.schema), landed)
    bad = runner.invoke(main, ["snapshot", "verify", "--recompute", info.snapshot_id, *home])
    assert bad.exit_code == 1
    assert "is not reproducible from the lake" in bad.output and "fct_sli_daily" in bad.output.splitlines()[-1]
    # the api SLO's one day on 10-02 changed: one frozen SLI row is not reproduced, one new row replaces it
    api_slos = sum(1 for s in load_catalog(full_home.catalog).slos if s["service"] == "api")
    assert f"fct_sli_daily: DIFFERS: {m['row_counts']['fct_sli_daily']} rows frozen, " \
           f"{m['row_counts']['fct_sli_daily']} recomputed; {api_slos} frozen row(s) not reproduced, {api_slos} new" in bad.output

    # a landed file of the lineage is gone: recomputing is impossible, and says which file
    landed.unlink()
    gone = runner.invoke(main, ["snapshot", "verify", "--recompute", info.snapshot_id, *home])
    assert gone.exit_code == 1 and "no longer in the lake" in gone.output and api["path"] in gone.output
    assert "Traceback" not in gone.output
