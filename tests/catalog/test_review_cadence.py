"""An SLO's review cadence (issue 20, item 3): an iCalendar RRULE in `slm/review-cadence`, counted
from 2000-01-01, else quarterly; expanded into the days reviews fall due; governance, so adding
one is not a new definition version."""

import datetime as dt
import textwrap

import pyarrow.parquet as pq

from pipelines.catalog import load_catalog
from pipelines.catalog.export import export_catalog

def catalog(tmp_path, catalog_of, annotations=""):
    text = catalog_of("web").replace("metadata: {name: web-availability}",
                                     "metadata: {name: web-availability" + annotations + "}")
    (tmp_path / "cat").mkdir(exist_ok=True)
    (tmp_path / "cat" / "catalog.yaml").write_text(textwrap.dedent(text))
    return load_catalog(tmp_path / "cat")


def test_quarterly_by_default_and_any_rule_by_annotation(tmp_path, catalog_of):
    today = dt.date(2026, 11, 30)
    export_catalog(catalog(tmp_path, catalog_of), tmp_path / "lake", today)
    due = [r["due_on"] for r in pq.read_table(tmp_path / "lake" / "catalog" / "review_schedule.parquet").to_pylist()]
    # the first of January, April, July and October, from three years (1,098 days) before the
    # export day, 2023-11-28, to 400 days after it, 2028-01-04: four a year 2024-2027, and 2028-01-01
    assert due[:2] == [dt.date(2024, 1, 1), dt.date(2024, 4, 1)]
    assert due[-1] == dt.date(2028, 1, 1) and len(due) == 4 * 4 + 1
    assert all(d.day == 1 and d.month in (1, 4, 7, 10) for d in due)
    cat = catalog(tmp_path, catalog_of, ', annotations: {slm/review-cadence: "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15"}')
    assert cat.problems == []
    export_catalog(cat, tmp_path / "lake2", today)
    due = [r["due_on"] for r in pq.read_table(tmp_path / "lake2" / "catalog" / "review_schedule.parquet").to_pylist()]
    assert due == [dt.date(2024, 3, 15), dt.date(2025, 3, 15), dt.date(2026, 3, 15), dt.date(2027, 3, 15)]


def test_a_cadence_is_not_a_new_definition_and_a_bad_one_is_a_problem(tmp_path, catalog_of):
    plain = catalog(tmp_path, catalog_of).slos[0]["definition_hash"]
    assert catalog(tmp_path, catalog_of, ', annotations: {slm/review-cadence: "FREQ=MONTHLY"}').slos[0]["definition_hash"] == plain
    assert catalog(tmp_path, catalog_of, ', annotations: {slm/valid-from: "2026-11-01"}').slos[0]["definition_hash"] != plain
    bad = catalog(tmp_path, catalog_of, ', annotations: {slm/review-cadence: "every quarter"}')
    assert [(p.path, p.message.split(":")[0]) for p in bad.problems] == [
        ("metadata.annotations.slm/review-cadence", "not an iCalendar RRULE")]
