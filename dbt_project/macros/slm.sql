{#- Helpers shared by the models. Everything adapter-specific goes through adapter.dispatch. -#}

{#- The days a run processes, as a half-open filter on a date column. -#}
{% macro slm_window_filter(date_column) -%}
    {%- if var('min_date') and var('max_date') -%}
        {{ date_column }} >= cast('{{ var("min_date") }}' as date)
        and {{ date_column }} < cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The SLO definition versions to compute, read from the catalog at run time: each applies to
    the days [valid_from, valid_to). Filters were compiled from a typed tree by
    pipelines/filters.py and names are checked against RFC 1123 there, so they are safe to place
    in SQL. -#}
{% macro slm_computable_slo_versions() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select slo_name, service, good_filter_sql, total_filter_sql, definition_hash,"
        ~ " cast(valid_from as " ~ dbt.type_string() ~ "), cast(valid_to as " ~ dbt.type_string() ~ ")"
        ~ " from " ~ ref('stg_catalog__slo_versions') ~ " where computed order by slo_name, valid_from") -%}
    {{ return(rows.rows) }}
{%- endmacro %}

{#- 1 when a slice's event count meets a throughput objective (`op` one of < <= > >=), else 0;
    `empty` is returned when there is no such objective (op null). -#}
{% macro slm_count_meets(count, op, value, empty=0) -%}
    case
        when {{ op }} is null then {{ empty }}
        when {{ op }} = '>=' and {{ count }} >= {{ value }} then 1
        when {{ op }} = '>' and {{ count }} > {{ value }} then 1
        when {{ op }} = '<=' and {{ count }} <= {{ value }} then 1
        when {{ op }} = '<' and {{ count }} < {{ value }} then 1
        else 0
    end
{%- endmacro %}

{#- Whole days spanned by the longest burn-rate alert window in force (at least 1). -#}
{% macro slm_longest_alert_days() -%}
    {%- if not execute -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set rows = run_query("select max(long_minutes) from " ~ ref('int_burn_alerts_configured')) -%}
    {%- set minutes = rows.rows[0][0] or 1440 -%}
    {{ return(((minutes + 1439) // 1440) | int) }}
{%- endmacro %}

{#- Share of expected minutes that had telemetry (1 when nothing was expected). -#}
{% macro slm_coverage(expected, gaps) -%}
    case when {{ expected }} > 0
        then 1 - cast({{ gaps }} as {{ slm_double() }}) / {{ expected }}
        else cast(1 as {{ slm_double() }})
    end
{%- endmacro %}

{#- The median of a column within a group. -#}
{% macro slm_median(expr) -%}
    {{ return(adapter.dispatch('slm_median', 'slm_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__slm_median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__slm_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro trino__slm_median(expr) -%}
    approx_percentile({{ expr }}, 0.5)
{%- endmacro %}

{#- A string literal. -#}
{% macro slm_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- Exact decimals, one width per use so products stay within 38 digits on every adapter. -#}
{% macro slm_money(expr) -%}
    cast({{ expr }} as decimal(18, 2))
{%- endmacro %}

{% macro slm_percent(expr) -%}
    cast({{ expr }} as decimal(9, 4))
{%- endmacro %}

{% macro slm_count(expr) -%}
    cast({{ expr }} as decimal(28, 6))
{%- endmacro %}

{#- Start of the hour holding a timestamp. -#}
{% macro slm_hour(expr) -%}
    {{ dbt.date_trunc('hour', expr) }}
{%- endmacro %}

{#- Start of the minute holding a timestamp. -#}
{% macro slm_minute(expr) -%}
    {{ dbt.date_trunc('minute', expr) }}
{%- endmacro %}

{#- Exclusion kinds known to the catalog (pipelines/catalog.py EXCLUSION_KINDS). -#}
{% macro slm_exclusion_kinds() -%}
    {{ return(['maintenance', 'third_party', 'ddos', 'security_patch', 'other']) }}
{%- endmacro %}

{#- True when an event's exclusion kinds (comma list) meet a contract's honoured kinds. -#}
{% macro slm_exclusion_honoured(event_kinds, honoured_kinds) -%}
    (
    {%- for kind in slm_exclusion_kinds() %}
        ({{ dbt.position(slm_literal(kind), event_kinds) }} > 0 and {{ dbt.position(slm_literal(kind), honoured_kinds) }} > 0)
        {%- if not loop.last %} or{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{#- A readable key for composite grains, so the grain gets unique/not_null tests. -#}
{% macro slm_key(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("cast(" ~ c ~ " as " ~ dbt.type_string() ~ ")") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- Hour of the day (0-23). `extract` is ANSI and works on DuckDB, Spark, Trino and Athena;
    dispatched so an adapter that differs can override it. -#}
{% macro slm_hour_of_day(expr) -%}
    {{ return(adapter.dispatch('slm_hour_of_day')(expr)) }}
{%- endmacro %}

{% macro default__slm_hour_of_day(expr) -%}
    extract(hour from {{ expr }})
{%- endmacro %}

{#- A 64-bit float. dbt.type_float() is a 32-bit FLOAT on DuckDB, which turns 0.001 into
    0.0010000000475 and a 1,000-event budget into 1000.0000475. -#}
{% macro slm_double() -%}
    {{ return(adapter.dispatch('slm_double')()) }}
{%- endmacro %}

{% macro default__slm_double() -%}
    double
{%- endmacro %}

{#- The SLO definition version `v` is in force on `day` ([valid_from, valid_to), null = unbounded). -#}
{% macro slm_version_in_force(v, day) -%}
    ({{ v }}.valid_from is null or {{ day }} >= {{ v }}.valid_from)
        and ({{ v }}.valid_to is null or {{ day }} < {{ v }}.valid_to)
{%- endmacro %}

{#- The default multi-window, multi-burn-rate alerts of Google's SRE Workbook ("Alerting on
    SLOs"): (long window, short window, burn-rate threshold, severity), in minutes. An SLO with
    AlertPolicy conditions in the catalog uses those instead. -#}
{% macro slm_default_burn_alerts() -%}
    {{ return([(60, 5, 14.4, 'page'), (360, 30, 6, 'page'), (1440, 120, 3, 'ticket'), (4320, 360, 1, 'ticket')]) }}
{%- endmacro %}

{#- A window length in minutes as people write it: 5m, 1h, 3d. -#}
{% macro slm_window_label(minutes) -%}
    case
        when mod({{ minutes }}, 1440) = 0 then concat(cast({{ minutes }} / 1440 as {{ dbt.type_int() }}), 'd')
        when mod({{ minutes }}, 60) = 0 then concat(cast({{ minutes }} / 60 as {{ dbt.type_int() }}), 'h')
        else concat(cast({{ minutes }} as {{ dbt.type_int() }}), 'm')
    end
{%- endmacro %}

{#- Time-zone conversions of naive timestamps. The lake's timestamps are UTC without a zone;
    calendar windows and local days of an SLO follow its catalog time zone. `AT TIME ZONE` is
    standard SQL (DuckDB, Postgres); Spark and Trino spell it differently. -#}
{% macro slm_utc_to_local(ts, tz) -%}
    {{ return(adapter.dispatch('slm_utc_to_local')(ts, tz)) }}
{%- endmacro %}

{% macro default__slm_utc_to_local(ts, tz) -%}
    cast(({{ ts }} at time zone 'UTC') at time zone {{ tz }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro spark__slm_utc_to_local(ts, tz) -%}
    from_utc_timestamp({{ ts }}, {{ tz }})
{%- endmacro %}

{% macro trino__slm_utc_to_local(ts, tz) -%}
    cast(at_timezone(with_timezone({{ ts }}, 'UTC'), {{ tz }}) as timestamp)
{%- endmacro %}

{% macro slm_local_to_utc(ts, tz) -%}
    {{ return(adapter.dispatch('slm_local_to_utc')(ts, tz)) }}
{%- endmacro %}

{% macro default__slm_local_to_utc(ts, tz) -%}
    cast(({{ ts }} at time zone {{ tz }}) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro spark__slm_local_to_utc(ts, tz) -%}
    to_utc_timestamp({{ ts }}, {{ tz }})
{%- endmacro %}

{% macro trino__slm_local_to_utc(ts, tz) -%}
    cast(at_timezone(with_timezone({{ ts }}, {{ tz }}), 'UTC') as timestamp)
{%- endmacro %}

{#- The day (in time zone `tz`) that a UTC minute belongs to; UTC SLOs keep the partition day. -#}
{% macro slm_local_day(utc_ts, utc_day, tz) -%}
    case
        when {{ tz }} = 'UTC' then {{ utc_day }}
        else cast({{ slm_utc_to_local(utc_ts, tz) }} as date)
    end
{%- endmacro %}

{#- Minutes in a local day: 1440, or 1380 / 1500 on the days a daylight-saving change falls on. -#}
{% macro slm_local_day_minutes(day, tz) -%}
    {{ dbt.datediff(
        slm_local_to_utc('cast(' ~ day ~ ' as ' ~ dbt.type_timestamp() ~ ')', tz),
        slm_local_to_utc('cast(' ~ dbt.dateadd('day', 1, day) ~ ' as ' ~ dbt.type_timestamp() ~ ')', tz),
        'minute') }}
{%- endmacro %}


{#- Integer division, truncating (both operands whole numbers >= 0): `//` in DuckDB, `div` in
    Spark; Trino, Athena and Postgres divide integers that way with `/`. -#}
{% macro slm_int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('slm_int_div', 'slm_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__slm_int_div(numerator, denominator) -%}
    (({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__slm_int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro spark__slm_int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{#- A sum of doubles that does not depend on the order of the rows: added in fixed-point decimal
    (12 places), then back to double. A parallel aggregation adds rows in any order, and doubles
    added in another order can differ in the last bit; audit snapshots must recompute byte for
    byte (`slm snapshot verify --recompute` found a RatioTimeslices SLI doing exactly that). -#}
{% macro slm_exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 12))) as {{ slm_double() }})
{%- endmacro %}
