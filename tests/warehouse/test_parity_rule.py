"""The rule engines are judged by (`warehouse.parity`), itself held to its edges: doubles equal to
1e-12 relative and no further, everything else exact, columns in order with their types."""

import duckdb

from pipelines.warehouse.parity import mart_differences


def warehouse(path, rows, ddl="slo_name varchar, day date, sli double, credit decimal(18, 2)"):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.m ({ddl})")
        if rows:
            con.executemany("insert into marts.m values (?, ?, ?, ?)", rows)
    return path


def test_doubles_match_to_one_in_a_trillion_and_the_rest_exactly(tmp_path):
    base = [("web", "2026-10-01", 0.993, "12.50"), ("api", "2026-10-02", 0.999999, "0.01")]
    a = warehouse(tmp_path / "a.duckdb", base)
    # the rows in another order, one double off by 0.5e-12 relative: the same
    b = warehouse(tmp_path / "b.duckdb", [base[1], ("web", "2026-10-01", 0.993 * (1 + 0.5e-12), "12.50")])
    assert mart_differences(a, b, ["m"]) == ({"m": 2}, [])
    # off by 2e-12 relative: not the same
    c = warehouse(tmp_path / "c.duckdb", [base[1], ("web", "2026-10-01", 0.993 * (1 + 2e-12), "12.50")])
    rows, diffs = mart_differences(a, c, ["m"])
    assert len(diffs) == 1 and diffs[0].startswith("m: sli differ")
    # a cent's difference in a credit, and a missing row
    d = warehouse(tmp_path / "d.duckdb", [base[0], ("api", "2026-10-02", 0.999999, "0.02")])
    assert mart_differences(a, d, ["m"])[1] == [
        "m: credit differ, first in ('api', datetime.date(2026, 10, 2), 0.999999, Decimal('0.01')) != "
        "('api', datetime.date(2026, 10, 2), 0.999999, Decimal('0.02'))"]
    e = warehouse(tmp_path / "e.duckdb", base[:1])
    assert mart_differences(a, e, ["m"])[1] == ["m: 2 rows != 1"]


def test_a_column_of_another_type_or_place_differs(tmp_path):
    a = warehouse(tmp_path / "a.duckdb", [])
    b = warehouse(tmp_path / "b.duckdb", [], ddl="slo_name varchar, day date, sli double, credit double")
    c = warehouse(tmp_path / "c.duckdb", [], ddl="day date, slo_name varchar, sli double, credit decimal(18, 2)")
    assert mart_differences(a, b, ["m"])[1][0].startswith("m: columns")
    assert mart_differences(a, c, ["m"])[1][0].startswith("m: columns")
