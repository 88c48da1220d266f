"""The lake of record on S3 (`SLM_LAKE`, issue 18): two homes (two machines) share one lake on a real
SeaweedFS server through boto3. What one lands the other finds landed (by content hash), a
correction landed on one rebuilds its day from files the other landed, the lease keeps a second
writer out with a one-line error, and what a killed run left unpushed is pushed by the next."""

import datetime as dt
import hashlib
import json
import os
import socket

import pytest
from click.testing import CliRunner

from pipelines.cli.app import main
from pipelines.ingest import Lake
from pipelines.settings import LAKE_ENV

BUCKET = "shared-lake"
URI = f"s3://{BUCKET}/prod"


def jsonl(service: str, stamps_and_statuses) -> str:
    return "".join(json.dumps({"timestamp": ts, "service": service, "status_code": s}) + "\n"
                   for ts, s in stamps_and_statuses)


def write_landing(landing):
    """web spans two days; api is on the second; old is a day before both."""
    (landing / "web").mkdir(parents=True)
    (landing / "api").mkdir()
    (landing / "old").mkdir()
    (landing / "web" / "a.jsonl").write_text(jsonl("web", [("2026-10-01T10:00:00Z", 200), ("2026-10-01T11:00:00Z", 503),
                                                          ("2026-10-02T09:00:00Z", 200)]))
    (landing / "api" / "b.jsonl").write_text(jsonl("api", [("2026-10-02T08:00:00Z", 200), ("2026-10-02T08:01:00Z", 500)])
                                              + "not json\n")
    (landing / "old" / "c.jsonl").write_text(jsonl("old", [("2026-09-30T23:59:59Z", 200)]))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def objects(client, prefix="prod/") -> dict[str, str]:
    """Key (relative to the lake) -> MD5 of its bytes, for every object under the lake."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for o in page.get("Contents", []):
            body = client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
            out[o["Key"][len(prefix):]] = hashlib.md5(body).hexdigest()
    return out


def local(lake_root) -> dict[str, str]:
    return {p.relative_to(lake_root).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
            for p in lake_root.rglob("*") if p.is_file() and not p.name.startswith(".")
            and p.relative_to(lake_root).parts[0] in ("files", "quarantine", "ledger", "pruned", "events", "incidents", "deploys")}


@pytest.fixture(scope="module")
def shared(s3_server, tmp_path_factory):
    s3_server.create_bucket(Bucket=BUCKET)
    root = tmp_path_factory.mktemp("remote-lake")
    write_landing(root / "landing")
    saved = os.environ.get(LAKE_ENV)
    os.environ[LAKE_ENV] = URI
    yield s3_server, root
    os.environ.pop(LAKE_ENV) if saved is None else os.environ.__setitem__(LAKE_ENV, saved)


def ingest(root, home: str):
    return CliRunner().invoke(main, ["ingest", "--landing", str(root / "landing"), "--home", str(root / home)])


def test_two_homes_share_one_lake(shared):
    client, root = shared
    first = ingest(root, "a")
    assert first.exit_code == 0, first.output
    a = Lake(root / "a" / "lake")
    on_s3 = objects(client)
    # every landed file, quarantine file and ledger entry of home a is on S3 byte for byte
    assert {k: v for k, v in on_s3.items() if not k.startswith(("_lease/", "fingerprints"))} == local(a.root)
    landing = sorted((root / "landing").rglob("*.jsonl"))
    assert sorted(k for k in on_s3 if k.startswith("ledger/")) == sorted(f"ledger/{sha(p)}.json" for p in landing)
    assert sorted(k for k in on_s3 if k.startswith("events/")) == [
        f"events/day={d}/events.parquet" for d in ("2026-09-30", "2026-10-01", "2026-10-02")]
    # rows read = landed + quarantined per file, as recorded on S3
    b_entry = json.loads(client.get_object(Bucket=BUCKET, Key=f"prod/ledger/{sha(root / 'landing/api/b.jsonl')}.json")
                         ["Body"].read())
    assert (b_entry["rows_read"], b_entry["rows_landed"], b_entry["rows_quarantined"]) == (3, 2, 1)
    # the lease was taken and given back
    assert sorted(k for k in on_s3 if k.startswith("_lease/")) == ["_lease/000001.json", "_lease/000001.released"]

    # home b, another machine with the same landing zone: nothing lands twice
    second = ingest(root, "b")
    assert second.exit_code == 0, second.output
    assert "0 file(s) landed (0 correction(s)), 3 landed before" in second.output
    b = Lake(root / "b" / "lake")
    assert [e.file_sha256 for e in b.ledger()] == [e.file_sha256 for e in a.ledger()]
    for day in ("2026-09-30", "2026-10-01", "2026-10-02"):
        assert sha(b.partition_path(day)) == sha(a.partition_path(day))
    assert not (b.root / "files").exists()  # landed files are fetched only when a day is rebuilt


def test_a_correction_on_one_home_rebuilds_its_day_from_the_other_homes_files(shared):
    import duckdb

    client, root = shared
    corrected = root / "landing" / "api" / "b.jsonl"
    corrected.write_text(jsonl("api", [("2026-10-02T08:00:00Z", 200), ("2026-10-02T08:01:00Z", 200),
                                       ("2026-10-02T08:02:00Z", 200)]))
    done = ingest(root, "b")
    assert done.exit_code == 0, done.output
    assert "1 file(s) landed (1 correction(s))" in done.output
    b = Lake(root / "b" / "lake")
    # day 2026-10-02 = web's one event that day (landed by home a, fetched) + api's three
    web = sha(root / "landing" / "web" / "a.jsonl")
    assert (b.files / f"{web}.parquet").exists()
    with duckdb.connect() as con:
        rows = con.execute("select service, count(*) from read_parquet(?) group by 1 order by 1",
                           [str(b.partition_path("2026-10-02"))]).fetchall()
    assert rows == [("api", 3), ("web", 1)]
    # home a, running again with nothing new, takes the corrected day and the new ledger entry
    again = ingest(root, "a")
    assert again.exit_code == 0, again.output
    a = Lake(root / "a" / "lake")
    assert sha(a.partition_path("2026-10-02")) == sha(b.partition_path("2026-10-02"))
    assert {e.path: e.file_sha256 for e in a.active()}["api/b.jsonl"] == sha(corrected)
    assert objects(client)["events/day=2026-10-02/events.parquet"] == hashlib.md5(
        b.partition_path("2026-10-02").read_bytes()).hexdigest()


def _hold(client, number: int, **holder):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    body = {"what": "slm run", "host": "another-host", "pid": 4242, "started": "", "at": now.isoformat(),
            "until": (now + dt.timedelta(minutes=30)).isoformat(), "number": number, **holder}
    client.put_object(Bucket=BUCKET, Key=f"prod/_lease/{number:06d}.json", Body=json.dumps(body).encode())


def _next_lease(client) -> int:
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="prod/_lease/").get("Contents", [])]
    return max(int(k.rsplit("/", 1)[1][:6]) for k in keys) + 1


def test_the_lease_keeps_a_second_writer_out_and_lapses(shared):
    client, root = shared
    (root / "landing" / "web" / "late.jsonl").write_text(jsonl("web", [("2026-10-01T12:00:00Z", 200)]))
    before = objects(client)
    held = _next_lease(client)
    _hold(client, held)
    refused = ingest(root, "a")
    assert refused.exit_code == 1
    message = refused.output.strip().splitlines()[-1]
    assert f"lake {URI} is being written by slm run (pid 4242 on another-host)" in message, refused.output
    assert objects(client) == {**before, f"_lease/{held:06d}.json": objects(client)[f"_lease/{held:06d}.json"]}

    # a lease of a process on this host that is gone lapses at once; one past its time, too
    _hold(client, held + 1, host=socket.gethostname(), pid=2**22 + 12345)
    done = ingest(root, "a")
    assert done.exit_code == 0, done.output
    assert "1 file(s) landed" in done.output
    _hold(client, _next_lease(client), until="2026-01-01T00:00:00+00:00")
    assert ingest(root, "b").exit_code == 0


def test_what_a_killed_run_did_not_push_is_pushed_by_the_next(shared, monkeypatch):
    client, root = shared
    (root / "landing" / "api" / "unpushed.jsonl").write_text(jsonl("api", [("2026-10-03T00:00:00Z", 200)]))
    monkeypatch.delenv(LAKE_ENV)  # the run that lands but dies before pushing: the lake as a local folder
    assert ingest(root, "a").exit_code == 0
    name = f"ledger/{sha(root / 'landing' / 'api' / 'unpushed.jsonl')}.json"
    assert name not in objects(client)
    monkeypatch.setenv(LAKE_ENV, URI)
    assert ingest(root, "a").exit_code == 0
    on_s3 = objects(client)
    a = Lake(root / "a" / "lake")
    assert on_s3[name] == local(a.root)[name]
    assert "events/day=2026-10-03/events.parquet" in on_s3


def test_prune_on_a_shared_lake_removes_the_files_and_the_day_on_s3(shared):
    client, root = shared
    old = sha(root / "landing" / "old" / "c.jsonl")
    # keep telemetry from 2026-10-01 on: old/c.jsonl (its only day is 09-30) goes
    keep = (dt.datetime.now(dt.timezone.utc).date() - dt.date(2026, 10, 1)).days
    done = CliRunner().invoke(main, ["lake", "prune", "--keep-days", str(keep), "--home", str(root / "b")])
    assert done.exit_code == 0, done.output
    assert "deleted 1 landed file(s)" in done.output, done.output
    on_s3 = objects(client)
    assert f"pruned/{old}.json" in on_s3
    assert f"files/{old}.parquet" not in on_s3 and f"quarantine/{old}.parquet" not in on_s3
    assert f"ledger/{old}.json" in on_s3  # the ledger keeps its entry
    assert "events/day=2026-09-30/events.parquet" not in on_s3
    # the other home learns of it: the file no longer counts as active there
    assert ingest(root, "a").exit_code == 0
    assert old not in {e.file_sha256 for e in Lake(root / "a" / "lake").active()}
    assert old in Lake(root / "a" / "lake").pruned()
    assert not Lake(root / "a" / "lake").partition_path("2026-09-30").exists()  # not read by dbt there either


def test_write_once_objects_are_never_replaced(shared, tmp_path):
    """Of two writers creating one name (a lease number, a ledger entry), exactly one succeeds;
    a push never replaces a landed file or ledger entry S3 already holds."""
    from pipelines.ingest.remote_lake import RemoteLake

    client, root = shared
    lake = RemoteLake(URI)
    assert lake._put_new("_lease/999999.json", b"first")
    assert not lake._put_new("_lease/999999.json", b"second")
    assert client.get_object(Bucket=BUCKET, Key="prod/_lease/999999.json")["Body"].read() == b"first"
    client.delete_object(Bucket=BUCKET, Key="prod/_lease/999999.json")

    entry = next(iter(Lake(root / "a" / "lake").ledger()))
    forged = tmp_path / "lake"
    (forged / "ledger").mkdir(parents=True)
    (forged / "ledger" / f"{entry.file_sha256}.json").write_text('{"forged": true}')
    before = objects(client)[f"ledger/{entry.file_sha256}.json"]
    lake.push(Lake(forged, remote=lake))
    assert objects(client)[f"ledger/{entry.file_sha256}.json"] == before


def test_a_lake_that_is_not_s3_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv(LAKE_ENV, "/mnt/lake")
    (tmp_path / "landing").mkdir()
    done = CliRunner().invoke(main, ["ingest", "--landing", str(tmp_path / "landing"), "--home", str(tmp_path / "h")])
    assert done.exit_code == 1
    assert "SLM_LAKE must be s3://bucket[/prefix], got '/mnt/lake'" in done.output


def test_a_sync_hashes_only_what_changed_since_the_last(shared, monkeypatch):
    """Pull and push compare each day partition with S3 by its MD5; a file unchanged since the
    last sync is not read again (its size, time and inode are remembered), a changed one is, and
    S3's version wins."""
    from pipelines.ingest import remote_lake

    client, root = shared
    assert ingest(root, "b").exit_code == 0
    hashed = []
    real = remote_lake._md5
    monkeypatch.setattr(remote_lake, "_md5", lambda path: hashed.append(path.relative_to(root / "b" / "lake").as_posix())
                        or real(path))
    lake = Lake(root / "b" / "lake", remote=remote_lake.RemoteLake(URI))
    lake.remote.pull(lake)
    lake.remote.push(lake)
    assert hashed == [], hashed  # the ingest's own pull and push remembered every file
    name = "events/day=2026-10-02/events.parquet"
    on_s3 = objects(client)[name]
    day = lake.root / name
    with open(day, "ab") as f:  # changed in place, behind the sync's back: the same inode
        f.write(b"x")
    lake.remote.pull(lake)
    assert hashed == [name]  # found different, and S3's version taken
    assert hashlib.md5(day.read_bytes()).hexdigest() == on_s3
    lake.remote.push(lake)
    assert hashed == [name] and objects(client)[name] == on_s3  # the download's MD5 was remembered
