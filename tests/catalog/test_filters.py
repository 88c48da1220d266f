import pytest

from pipelines.catalog.filters import FilterError, compile_filter


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
    ],
)
def test_bad_filters_are_rejected_with_the_position(text, message, position):
    with pytest.raises(FilterError) as err:
        compile_filter(text)
    assert message in str(err.value)
    assert err.value.position + 1 == position
