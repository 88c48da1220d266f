import pytest

from pipelines.catalog.filters import MAX_NESTING, FilterError, compile_filter, numeric_fields


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("status_code < 500 and not is_probe", "((status_code < 500) and (not (coalesce(is_probe, false))))"),
        ("latency_ms <= 300", "latency_ms <= 300"),
        ("operation in ('pay','refund')", "operation in ('pay', 'refund')"),
        ("source = 'server'", "source = 'server'"),
        ("source == 'server' or region != 'eu'", "((source = 'server') or (region <> 'eu'))"),
        ("version is not null", "version is not null"),
        ("operation not in ('/healthz')", "operation not in ('/healthz')"),
        ("timestamp >= '2026-10-01T00:00:00Z'", "event_ts >= cast('2026-10-01T00:00:00Z' as timestamp)"),
    ],
)
def test_filters_compile_to_sql_from_the_tree(text, sql):
    assert compile_filter(text) == sql


def test_quotes_inside_a_literal_stay_inside_the_literal():
    # The literal is `a'; drop table x; --`: it is re-quoted, never closes the string early.
    assert compile_filter("service = 'a''; drop table x; --'") == "service = 'a''; drop table x; --'"


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("1=1; drop table x", "unexpected character ';'", 4),
        ("1 = 1", "expected a field name", 1),
        ("status_code < 500; drop table x", "unexpected character ';'", 18),
        ("service = 'a' -- comment", "unexpected character '-'", 15),
        ("service = 'a' /* c */", "unexpected character '/'", 15),
        ("lower(service) = 'a'", "function calls are not allowed", 1),
        ("foo > 1", "unknown field 'foo'", 1),
        ("status_code = '500'", "needs a number", 13),
        ("latency_ms <= service", "fields compare to literals only", 15),
        ("service", "is string, not a condition", 1),
        ("service = 'unterminated", "unterminated string literal", 11),
        ("", "empty expression", 1),
        ("status_code < 500 and", "expected a field name, found end of expression", 22),
        ("(status_code < 500", "expected ')'", 19),
        ("timestamp > 'yesterday'", "RFC 3339", 11),
        # values at the edge of what a filter holds
        ("latency_ms < 1000000000000000000", "number 1000000000000000000 is out of range", 14),  # 1e18
        ("latency_ms < 1e18", "out of range", 14),
        ("latency_ms < 1e999", "out of range", 14),                     # infinity
        ("latency_ms < 1" + "0" * 400, "out of range", 14),             # an integer beyond any float
        ("timestamp > '2026-13-45'", "needs an RFC 3339 time string", 11),  # the shape, not a day
        ("status_code in (500, '502')", "field 'status_code' needs a number, got string '502'", 1),
        ("is_probe = 'yes'", "needs a bool", 10),
        ("service = true", "needs a string", 9),
    ],
)
def test_bad_filters_are_rejected_with_the_position(text, message, position):
    with pytest.raises(FilterError) as err:
        compile_filter(text)
    assert message in str(err.value)
    assert err.value.position + 1 == position
    assert str(err.value).endswith(f"(at character {position})")


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("true", "true"),
        ("false", "false"),
        ("not false", "not (false)"),
        ("is_probe = true", "is_probe = true"),
        ("is_probe = false", "is_probe = false"),
        ("is_probe in (true, false)", "is_probe in (true, false)"),
        ("timestamp < '2026-10-01'", "event_ts < cast('2026-10-01' as timestamp)"),
        ("latency_ms < 999999999999999999", "latency_ms < 999999999999999999"),  # 1e18 - 1: the largest held
    ],
)
def test_constants_booleans_and_the_largest_number(text, sql):
    assert compile_filter(text) == sql


def test_nesting_is_allowed_to_the_limit_and_counted_per_branch():
    assert MAX_NESTING == 64
    deep, nots = "(" * 64 + "is_probe" + ")" * 64, "not " * 64 + "is_probe"
    assert compile_filter(deep) == "coalesce(is_probe, false)"
    assert compile_filter(nots).count("not") == 64
    # depth is given back, once, when a group or a `not` closes: two at the limit side by side are
    # fine, and one at the limit does not let the next go deeper
    assert compile_filter(f"{deep} and {deep}") == "((coalesce(is_probe, false)) and (coalesce(is_probe, false)))"
    assert compile_filter(f"{deep} or {deep}") == "((coalesce(is_probe, false)) or (coalesce(is_probe, false)))"
    assert compile_filter(f"{nots} and {nots}").count("not") == 128
    for text in ("(" + deep + ")", "not " + nots, f"{deep} and ({deep})", f"{nots} and not {nots}"):
        with pytest.raises(FilterError, match="nested more than 64 deep"):
            compile_filter(text)


def test_keywords_in_any_case_and_keyword_words_inside_strings():
    assert compile_filter("status_code < 500 AND NOT is_probe Or source IS NOT NULL") == compile_filter(
        "status_code < 500 and not is_probe or source is not null")
    assert compile_filter("service = 'true'") == "service = 'true'"  # a string, not the boolean
    with pytest.raises(FilterError, match="^expected a field name, found \"'true'\" \\(at character 1\\)$"):
        compile_filter("'true'")


def test_a_filter_is_a_string():
    with pytest.raises(FilterError, match=r"^a filter must be a string \(at character 1\)$"):
        compile_filter(None)


def test_numeric_fields_are_the_ones_a_threshold_compares():
    numeric = numeric_fields()
    assert {"latency_ms", "status_code"} <= set(numeric)
    assert not {"service", "timestamp", "is_probe", "operation"} & set(numeric)
