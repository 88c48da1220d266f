import subprocess
import sys
import textwrap

from click.testing import CliRunner

from pipelines.cli import main
from pipelines.demo import write_catalog


def test_validate_accepts_the_demo_catalog(tmp_path):
    write_catalog(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "7 SLO objective(s) (7 computed here), 2 contract(s), 2 exclusion window(s): OK" in result.output
    assert "note:" not in result.output


def test_validate_lists_every_problem_and_exits_1(tmp_path):
    (tmp_path / "c.yaml").write_text(textwrap.dedent("""
        apiVersion: slm/v1
        kind: Contract
        metadata: {name: acme}
        spec: {slo: missing, fee: {amount: -1, currency: USD}, creditTiers: []}
    """))
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    # line 5 of the file (it starts with a blank line), where `missing` is written
    column = (tmp_path / "c.yaml").read_text().splitlines()[4].index("missing") + 1
    assert f"c.yaml:5:{column} doc 1 Contract acme: spec.slo: no SLO named 'missing' in the catalog" in result.output
    assert "spec.fee.amount" in result.output and "spec.creditTiers" in result.output


def run_slm(*args, env_home):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "SLM_HOME": str(env_home)})


def test_bad_input_is_one_line_and_exit_1_without_traceback(tmp_path):
    write_catalog(tmp_path / "catalog")
    missing = run_slm("run", "--landing", str(tmp_path / "nope"), "--catalog", str(tmp_path / "catalog"),
                      env_home=tmp_path / "home")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"slm: error: landing folder {tmp_path / 'nope'} does not exist or is not a folder"]
    (tmp_path / "landing").mkdir()
    backwards = run_slm("run", "--landing", str(tmp_path / "landing"), "--catalog", str(tmp_path / "catalog"),
                        "--start", "2026-10-05", "--end", "2026-10-01", env_home=tmp_path / "home")
    assert backwards.returncode == 1 and "Traceback" not in backwards.stderr
    assert "--end 2026-10-01 is before --start 2026-10-05" in backwards.stderr


def test_a_broken_catalog_stops_the_run_before_anything_lands(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "x.yaml").write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {}\n")
    (tmp_path / "landing").mkdir()
    result = run_slm("run", "--landing", str(tmp_path / "landing"), "--catalog", str(tmp_path / "catalog"),
                     env_home=tmp_path / "home")
    assert result.returncode == 1
    assert "x.yaml:4:7 doc 1 SLO a: spec.service: required" in result.stdout  # a missing field: at its parent
    assert "fix them first" in result.stderr
    assert not (tmp_path / "home" / "lake").exists()


def test_a_first_run_that_fails_says_which_step_and_why(tmp_path):
    import json

    write_catalog(tmp_path / "catalog")
    (tmp_path / "landing" / "web").mkdir(parents=True)
    (tmp_path / "landing" / "web" / "a.jsonl").write_text(json.dumps(
        {"timestamp": "2026-10-05T10:00:00Z", "service": "web", "status_code": 200}) + "\n")
    (tmp_path / "home" / "warehouse.duckdb").mkdir(parents=True)  # dbt cannot open the warehouse
    result = run_slm("run", "--landing", str(tmp_path / "landing"), "--catalog", str(tmp_path / "catalog"),
                     env_home=tmp_path / "home")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Cannot open database" not in result.stderr
    assert "  warehouse_models failed: " in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the run did not complete: warehouse_models")


def test_snapshot_verify_needs_an_id_or_all(tmp_path):
    result = CliRunner().invoke(main, ["snapshot", "verify", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "give a snapshot id or --all" in result.output


def test_demo_runs_everything_and_summarises(tmp_path):
    home = tmp_path / "home"
    result = run_slm("demo", "--days", "4", "--home", str(home), env_home=home)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Generating 4 days of telemetry for 5 services" in out
    assert "checkout-availability" in out and "acme-checkout" in out
    assert "landed_events/landed_events_valid: passed" in out
    # four days of history are too few to expect any hour: no gap yet
    assert "telemetry_complete: passed" in out
    assert "Audit snapshot 000001-2026-10" in out
    # the home's first build started from the parse made while it landed (warehouse/project.py)
    assert "Running with dbt" in out and "Unable to do partial parsing" not in out
    assert (home / "snapshots" / "000001-2026-10" / "manifest.json").exists()
    # run again: nothing new lands, and the unchanged month is not snapshotted twice
    again = run_slm("demo", "--days", "4", "--home", str(home), env_home=home)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 new file(s)" in again.stdout and "180 file(s)" not in again.stdout
    assert [p.name for p in (home / "snapshots").iterdir() if not p.name.startswith(".")] == ["000001-2026-10"]
