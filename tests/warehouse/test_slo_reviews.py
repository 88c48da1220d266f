"""SLO reviews (issue 20, item 3): `slm review` appends an attributed decision, each SLO's cadence
(an iCalendar RRULE, else quarterly) makes reviews due, `fct_slo_reviews` shows each SLO as
reviewed, due or overdue as of the last day with data, and audit snapshots keep the review log.

By hand: data on 2026-10-01 .. 2026-10-20, so as_of is 10-20. The quarterly cadence fell due on
10-01 and falls due next on 2027-01-01; `api`'s monthly one on the 15th fell due on 10-15."""

import datetime as dt
import hashlib
import json
import os
import stat
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.catalog.reviews import DECISIONS
from pipelines.cli.app import main

MONTHLY = 'slm/review-cadence: "FREQ=MONTHLY;BYMONTHDAY=15"'


def write_landing(landing: Path) -> None:
    for svc in ("web", "api", "db"):
        (landing / svc).mkdir(parents=True)
        for d in range(1, 21):
            day = dt.date(2026, 10, d)
            (landing / svc / f"{day}.jsonl").write_text(json.dumps(
                {"timestamp": f"{day}T12:00:00Z", "service": svc, "status_code": 200}) + "\n")


@pytest.fixture(scope="module")
def built(run_scenario, catalog_of, tmp_path_factory):
    root = tmp_path_factory.mktemp("reviews")
    catalog = catalog_of("web", "api", "db").replace("metadata: {name: api-availability}",
                                                     f"metadata: {{name: api-availability, annotations: {{{MONTHLY}}}}}")
    assert MONTHLY in catalog
    settings = run_scenario(root, write_landing, catalog)
    # reviews are recorded against the catalog the run exported; the next run picks them up
    home = ["--home", str(settings.home)]
    for args in (["--slo", "web-availability", "--decision", "keep", "--note", "99 % still right", "--by", "ana"],):
        done = CliRunner().invoke(main, ["review", *args, *home])
        assert done.exit_code == 0, done.output
    from pipelines.cli.runner import run_pipeline
    assert run_pipeline(settings, out=lambda line: None).success
    return settings


def test_each_slo_is_reviewed_due_or_overdue(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        got = con.execute("select slo_name, as_of, due_on, next_due_on, reviews, last_decision, last_reviewer, status "
                          "from marts.fct_slo_reviews order by slo_name").fetchall()
    d = dt.date
    assert got == [
        # 10-15 passed 5 days before as_of: inside the 14 days' grace
        ("api-availability", d(2026, 10, 20), d(2026, 10, 15), d(2026, 11, 15), 0, None, None, "due"),
        # 10-01 passed 19 days before: overdue
        ("db-availability", d(2026, 10, 20), d(2026, 10, 1), d(2027, 1, 1), 0, None, None, "overdue"),
        # reviewed today, after 10-01
        ("web-availability", d(2026, 10, 20), d(2026, 10, 1), d(2027, 1, 1), 1, "keep", "ana", "reviewed"),
    ]


def test_a_review_is_refused_in_one_line_and_nothing_is_written(built):
    log = built.reviews / "reviews.jsonl"
    before = log.read_bytes()
    for args, message in ((["--slo", "nope", "--decision", "keep"], "no SLO named 'nope' in the catalog"),
                          (["--slo", "web-availability", "--decision", "drop"], "'drop' is not one of"),
                          (["--slo", "web-availability", "--decision", "keep", "--note", "x" * 2001], "longer than 2000")):
        done = CliRunner().invoke(main, ["review", *args, "--home", str(built.home)])
        assert done.exit_code == 2 and message in done.output and "Traceback" not in done.output, done.output
    assert log.read_bytes() == before
    assert set(DECISIONS) == {"keep", "tighten", "loosen", "retire"}


def test_a_snapshot_keeps_the_review_log_and_catches_a_changed_one(built):
    from pipelines.audit.snapshot import create_snapshot
    from pipelines.audit.stores import LocalSnapshotStore

    info = create_snapshot(built, "2026-10")
    [entry] = [f for f in info.manifest["files"] if f["kind"] == "reviews"]
    log = (built.reviews / "reviews.jsonl").read_bytes()
    assert (entry["path"], entry["rows"], entry["sha256"]) == ("reviews.jsonl", 1, hashlib.sha256(log).hexdigest())
    assert (info.path / "reviews.jsonl").read_bytes() == log
    store = LocalSnapshotStore(built.snapshots)
    assert store.verify(info.snapshot_id) == []
    target = info.path / "reviews.jsonl"  # a decision changed after the fact
    for p in (info.path, target):
        os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    target.write_bytes(log.replace(b'"keep"', b'"loosen"'))
    assert any("reviews.jsonl has changed" in p for p in store.verify(info.snapshot_id))
