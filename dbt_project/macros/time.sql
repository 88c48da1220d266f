{#- Minutes, hours, local days and time zones. Everything adapter-specific goes through adapter.dispatch. -#}

{#- Start of the hour holding a timestamp. -#}
{% macro slm_hour(expr) -%}
    {{ dbt.date_trunc('hour', expr) }}
{%- endmacro %}

{#- Start of the minute holding a timestamp. -#}
{% macro slm_minute(expr) -%}
    {{ dbt.date_trunc('minute', expr) }}
{%- endmacro %}

{#- Hour of the day (0-23). `extract` is ANSI and works on DuckDB, Spark, Trino and Athena;
    dispatched so an adapter that differs can override it. -#}
{% macro slm_hour_of_day(expr) -%}
    {{ return(adapter.dispatch('slm_hour_of_day', 'slm_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__slm_hour_of_day(expr) -%}
    extract(hour from {{ expr }})
{%- endmacro %}

{#- Time-zone conversions of naive timestamps. The lake's timestamps are UTC without a zone;
    calendar windows and local days of an SLO follow its catalog time zone. `AT TIME ZONE` is
    standard SQL (DuckDB, Postgres); Spark and Trino spell it differently. -#}
{% macro slm_utc_to_local(ts, tz) -%}
    {{ return(adapter.dispatch('slm_utc_to_local', 'slm_warehouse')(ts, tz)) }}
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
    {{ return(adapter.dispatch('slm_local_to_utc', 'slm_warehouse')(ts, tz)) }}
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

{#- A window length in minutes as people write it: 5m, 1h, 3d. -#}
{% macro slm_window_label(minutes) -%}
    case
        when mod({{ minutes }}, 1440) = 0 then concat(cast({{ slm_int_div(minutes, 1440) }} as {{ dbt.type_int() }}), 'd')
        when mod({{ minutes }}, 60) = 0 then concat(cast({{ slm_int_div(minutes, 60) }} as {{ dbt.type_int() }}), 'h')
        else concat(cast({{ minutes }} as {{ dbt.type_int() }}), 'm')
    end
{%- endmacro %}
