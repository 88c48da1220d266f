import datetime as dt
import gzip

import duckdb

from pipelines.demo import BAD_LINES, SERVICES, generate_landing
from pipelines.core.hashing import sha256_file


def test_same_seed_same_bytes(tmp_path):
    for name in ("a", "b"):
        generate_landing(tmp_path / name, seed=3, start=dt.date(2026, 10, 4), days=2)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files_a) == 2 * len(SERVICES)
    assert all(sha256_file(tmp_path / "a" / f) == sha256_file(tmp_path / "b" / f) for f in files_a)
    generate_landing(tmp_path / "c", seed=4, start=dt.date(2026, 10, 4), days=1)
    assert sha256_file(tmp_path / "c" / files_a[0]) != sha256_file(tmp_path / "a" / files_a[0])


def test_the_story_is_in_the_data(tmp_path):
    generate_landing(tmp_path, start=dt.date(2026, 10, 20), days=1)
    generate_landing(tmp_path, start=dt.date(2026, 10, 27), days=1)
    generate_landing(tmp_path, start=dt.date(2026, 10, 5), days=1)
    q = duckdb.connect()
    # the maintenance window answers every real request with 503
    statuses = q.execute(f"""select distinct status_code from read_json('{tmp_path}/checkout/checkout-2026-10-20.jsonl.gz')
        where not is_probe and timestamp >= '2026-10-20T02:00:00Z' and timestamp < '2026-10-20T04:00:00Z'""").fetchall()
    assert statuses == [(503,)]
    # the catalog service sends nothing from 09:00 to 12:00 on 10-27, probes included
    hours = q.execute(f"""select distinct hour(cast(timestamp as timestamp))
        from read_csv('{tmp_path}/catalog/catalog-2026-10-27.csv') order by 1""").fetchall()
    assert [h for (h,) in hours] == [h for h in range(24) if h not in (9, 10, 11)]
    # probes every 30 s: 2,880 a day; search is logged at a 25 % sample
    probes = q.execute(f"select count(*) from read_parquet('{tmp_path}/search/search-2026-10-20.parquet') "
                       "where is_probe").fetchone()[0]
    rates = q.execute(f"select distinct sample_rate from read_parquet('{tmp_path}/search/search-2026-10-20.parquet') "
                      "where not is_probe").fetchall()
    assert (probes, rates) == (2880, [(0.25,)])
    # the malformed lines meant for quarantine sit at the end of checkout's 10-05 file
    with gzip.open(tmp_path / "checkout" / "checkout-2026-10-05.jsonl.gz", "rt") as f:
        tail = f.read().splitlines()[-len(BAD_LINES):]
    assert tail == list(BAD_LINES)
