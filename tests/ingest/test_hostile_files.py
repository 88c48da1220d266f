"""The hostile-file harness (issue 16): every file of the generator (`hostile_files`) goes through
one `slm ingest`, which exits 0; for each file, rows read = records fed = landed + quarantined,
and the lake and its quarantine hold exactly those rows."""

import os
import subprocess
import sys

import duckdb

from hostile_files import RECORD_LIMIT, hostile_files
from pipelines.ingest import Lake


def ledger_name(rel: str) -> str:
    """How the ledger names a landing path that is not UTF-8."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def ingest(landing, home):
    env = {**os.environ, "SLM_MAX_RECORD_BYTES": str(RECORD_LIMIT), "SLM_FORMATS": "access-log/=access_log;alb/=alb"}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", "--landing", str(landing),
                           "--home", str(home)], capture_output=True, text=True, timeout=600, env=env)


def test_every_hostile_file_is_landed_or_quarantined_record_by_record(tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "home"
    cases = list(hostile_files())
    for case in cases:
        path = landing / case.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.fsencode(path), "wb") as f:
            f.write(case.data)
    (landing / "web" / ".hidden.jsonl").write_bytes(cases[0].data)
    (landing / "web" / "outside.jsonl").symlink_to(tmp_path)
    done = ingest(landing, home)
    assert done.returncode == 0, done.stderr[-3000:]
    lake = Lake(home / "lake")
    ledger = {e.path: e for e in lake.ledger()}
    assert len(cases) > 60 and set(ledger) == {ledger_name(c.rel) for c in cases}
    with duckdb.connect() as con:
        landed = dict(con.execute(f"select file_sha256, count(*) from read_parquet('{lake.files}/*.parquet') "
                                  "group by all").fetchall())
        quarantined = dict(con.execute(f"select file, count(*) from read_parquet('{lake.quarantine}/*.parquet') "
                                       "where reason <> '' group by all").fetchall())
    for case in cases:
        e = ledger[ledger_name(case.rel)]
        assert e.rows_read == e.rows_landed + e.rows_quarantined, case.rel
        if case.fed is not None:
            assert e.rows_read == case.fed, (case.rel, e.rows_read, case.fed)
        assert landed.get(e.file_sha256, 0) == e.rows_landed, case.rel
        assert quarantined.get(e.path, 0) == e.rows_quarantined, case.rel
        assert f"  new         {e.path}: {e.rows_read} read = {e.rows_landed} landed + {e.rows_quarantined} quarantined" \
            in done.stdout.splitlines(), case.rel
    assert "  skipped     web/.hidden.jsonl: hidden" in done.stdout
    assert "  skipped     web/outside.jsonl: symbolic link to outside the landing folder: not followed" in done.stdout
    assert sum(e.rows_landed for e in ledger.values()) > 100  # the good records among them did land
    again = ingest(landing, home)
    assert again.returncode == 0 and f"0 file(s) landed (0 correction(s)), {len(cases)} landed before" in again.stdout
