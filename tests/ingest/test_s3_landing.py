"""Landing from S3 (a real SeaweedFS server on 127.0.0.1, through boto3 as in production): listing
past one page, keys with spaces and unicode, the ledger's promises, corrections, and errors."""

import hashlib
import json
import re
import subprocess
import sys

import duckdb
import pytest

from pipelines.ingest import IngestError, Lake, land, plan, write_day_partition
from pipelines.ingest.landing import open_landing


def lines(service, day, statuses):
    return "".join(json.dumps({"timestamp": f"{day}T{h:02d}:00:00Z", "service": service, "status_code": s}) + "\n"
                   for h, s in enumerate(statuses)).encode()


def test_listing_pages_past_1000_keys_and_keeps_odd_names(s3_server):
    s3_server.create_bucket(Bucket="many")
    for i in range(1001):
        s3_server.put_object(Bucket="many", Key=f"in/web/{i:04d}.jsonl", Body=b"")
    s3_server.put_object(Bucket="many", Key="in/api/späte Lieferung (1).jsonl", Body=b"x")
    s3_server.put_object(Bucket="many", Key="in/api/.hidden", Body=b"x")
    s3_server.put_object(Bucket="many", Key="other/web/0.jsonl", Body=b"x")
    files = open_landing("s3://many/in").files()
    # 1,002 visible keys under the prefix: more than one page of list_objects_v2 (1,000)
    assert len(files) == 1002
    assert files[0].rel == "api/späte Lieferung (1).jsonl"
    assert files[0].location == "s3://many/in/api/späte Lieferung (1).jsonl"
    assert {f.rel for f in files[1:]} == {f"web/{i:04d}.jsonl" for i in range(1001)}


def test_s3_landing_records_each_file_once_and_flags_corrections(s3_server, tmp_path):
    s3_server.create_bucket(Bucket="landing")
    first = lines("web", "2026-10-01", [200, 200, 503])
    s3_server.put_object(Bucket="landing", Key="prod/web/day 1.jsonl", Body=first)
    s3_server.put_object(Bucket="landing", Key="prod/api/ü.jsonl",
                         Body=lines("api", "2026-10-02", [200]) + b"not json\n")
    lake = Lake(tmp_path / "lake")

    report = land(lake, "s3://landing/prod")
    entries = {e.path: e for e in report.landed}
    assert set(entries) == {"web/day 1.jsonl", "api/ü.jsonl"}
    web = entries["web/day 1.jsonl"]
    assert web.file_sha256 == hashlib.sha256(first).hexdigest()  # the ledger hashes the bytes as stored
    assert (web.rows_read, web.rows_landed, web.rows_quarantined) == (3, 3, 0)
    assert web.location == "s3://landing/prod/web/day 1.jsonl"
    api = entries["api/ü.jsonl"]
    assert (api.rows_read, api.rows_landed, api.rows_quarantined) == (2, 1, 1)
    # nothing downloaded is left behind
    assert not list((lake.root / ".incoming").glob("*"))

    again = land(lake, "s3://landing/prod")
    assert (again.landed, again.already_landed) == ([], 2)

    # the same name with new content is a correction of the earlier delivery; both are kept
    corrected = lines("web", "2026-10-01", [200, 200, 200, 200])
    s3_server.put_object(Bucket="landing", Key="prod/web/day 1.jsonl", Body=corrected)
    preview = {d.file.rel: (d.status, d.supersedes) for d in plan(lake, "s3://landing/prod")}
    assert preview == {"web/day 1.jsonl": ("correction", web.file_sha256), "api/ü.jsonl": ("already landed", None)}
    [fix] = land(lake, "s3://landing/prod").corrections
    assert (fix.supersedes, fix.rows_landed) == (web.file_sha256, 4)
    assert len(lake.ledger()) == 3
    assert write_day_partition(lake, "2026-10-01") == 4  # the partition is rebuilt from the correction only
    with duckdb.connect() as con:
        statuses = con.execute(f"select list(status_code order by event_ts) from '{lake.partition_path('2026-10-01')}'").fetchone()[0]
    assert statuses == [200, 200, 200, 200]


def test_s3_errors_are_one_line_and_name_the_location(s3_server, tmp_path):
    with pytest.raises(IngestError, match=r"landing s3://no-such-bucket/x: listing failed: NoSuchBucket"):
        land(Lake(tmp_path / "lake"), "s3://no-such-bucket/x")
    with pytest.raises(IngestError, match="only local folders and s3://"):
        land(Lake(tmp_path / "lake"), "gs://bucket/x")


def test_slm_ingest_dry_run_shows_what_would_land_and_writes_nothing(s3_server, tmp_path):
    s3_server.create_bucket(Bucket="dry")
    s3_server.put_object(Bucket="dry", Key="web/a.jsonl", Body=lines("web", "2026-10-01", [200]))
    home = tmp_path / "home"
    cmd = [sys.executable, "-m", "pipelines.cli", "ingest", "--landing", "s3://dry", "--home", str(home)]
    dry = subprocess.run(cmd + ["--dry-run"], capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    assert re.search(r"^  new +web/a\.jsonl  76 bytes$", dry.stdout, re.M), dry.stdout
    assert "1 new, 0 correction(s), 0 already landed" in dry.stdout
    assert not (home / "lake").exists()
    wet = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert wet.returncode == 0, wet.stderr
    assert "web/a.jsonl: 1 read = 1 landed + 0 quarantined" in wet.stdout
    assert "published 1 day partition(s): 2026-10-01" in wet.stdout
    bad = subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", "--landing", "s3://nope-bucket",
                          "--home", str(home)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "NoSuchBucket" in bad.stderr
