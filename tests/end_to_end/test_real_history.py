"""Real history computes (issue 16): the 2015 Apache log of ../shared/datasets, as it is, goes
through the whole pipeline (the daily partitions used to start in 2020: a Dagster invariant
error), and its daily SLI is the log's own count of statuses below 500 per day."""

import collections
import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb

SOURCE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "apache-combined-2015" / "apache_logs"


def test_the_2015_apache_log_computes_its_daily_sli(tmp_path, run_scenario, catalog_of):
    def landing(folder: Path) -> None:
        (folder / "blog").mkdir(parents=True)
        shutil.copy(SOURCE, folder / "blog" / "access.log")

    settings = run_scenario(tmp_path, landing, catalog_of("blog"))
    # expected from the text: the day and the status of each line
    per_day = collections.defaultdict(lambda: [0, 0])
    for line in SOURCE.read_text(encoding="utf-8", errors="replace").splitlines():
        day = dt.datetime.strptime(re.search(r"\[(\d+/\w+/\d+)", line).group(1), "%d/%b/%Y").date()
        status = int(re.search(r'" (\d{3}) ', line).group(1))
        per_day[day][0] += status < 500
        per_day[day][1] += 1
    assert sorted(per_day) == [dt.date(2015, 5, d) for d in (17, 18, 19, 20)]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        got = {day: [good, total] for day, good, total in con.execute(
            "select day, good_events, total_events from marts.fct_sli_daily where slo_name = 'blog-availability'"
        ).fetchall()}
    assert got == {d: [float(g), float(t)] for d, (g, t) in per_day.items()}
