{#- Where an incremental model that reads history (the telemetry-gap grid) restarts: a run
    recomputes from a day no earlier than it must to the newest landed day, so that one new day
    costs about one day, and a late day re-opens everything after it that its history feeds. -#}

{#- The first UTC day the model recomputes: the run's first day, or the newest day the model
    holds if that is earlier (its grid ended at the newest minute then landed), minus `back_days`;
    none for a whole rebuild (no window, or the first build). Read at run time from `this`. -#}
{% macro slm_recompute_since(date_column='event_date', back_days=0) -%}
    {%- set window = slm_run_window() -%}
    {%- if not execute or not window or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = run_query('select max(' ~ date_column ~ ') from ' ~ this).rows[0][0] -%}
    {%- if newest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = modules.datetime.date.fromisoformat((newest | string)[:10]) - modules.datetime.timedelta(days=back_days) -%}
    {{ return([day, modules.datetime.date.fromisoformat(window[0])] | min) }}
{%- endmacro %}

{#- The first UTC day of the silences that run across midnight `day` (a source's minutes without
    records but with some expected, up to 23:59 the day before), read from the classified minutes
    `classified`: the day before `day` or earlier; `day` itself when no source is silent then,
    none when `day` is none. A gap's judgement sums its whole silence, so a recomputation that
    writes from this day judges every silence that reaches `day` whole. Each source's own silence
    counts, not a midnight no source is silent at: with 50 quiet sources one of them is silent at
    nearly every midnight, and that sent one new day's recomputation back to the first (11.7 s of
    90 days; issue 15). The first day is monotone in `day`, so a later model that asks with an
    earlier day gets an earlier one. -#}
{% macro slm_silence_start(classified, day) -%}
    {%- if day is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set midnight = "cast('" ~ day ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set silent = "records = 0 and expected_records > 0" -%}
    {%- set sql -%}
        select min(coalesce({{ dbt.dateadd('minute', 1, 'heard.last_heard') }}, heard.first_minute))
        from (
            select service, source from {{ classified }}
            where minute_ts = {{ dbt.dateadd('minute', -1, midnight) }} and {{ silent }}
        ) as silent_at_midnight
        inner join (
            select
                service,
                source,
                max(case when not ({{ silent }}) then minute_ts end) as last_heard,
                min(minute_ts) as first_minute
            from {{ classified }}
            where minute_ts < {{ midnight }}
            group by service, source
        ) as heard
            on silent_at_midnight.service = heard.service
            and silent_at_midnight.source = heard.source
    {%- endset -%}
    {%- set start = run_query(sql).rows[0][0] -%}
    {%- if start is none -%}
        {{ return(day) }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat((start | string)[:10])) }}
{%- endmacro %}

{#- `column >= day`, or always true when `day` is none (a whole rebuild). -#}
{% macro slm_since_filter(column, day, back_days=0) -%}
    {%- if day is none -%}
        1 = 1
    {%- else -%}
        {{ column }} >= {{ dbt.dateadd('day', -1 * back_days, "cast('" ~ day ~ "' as date)") }}
    {%- endif -%}
{%- endmacro %}

{#- True when the catalog uses a time zone that the per-zone model `relation` holds no day of. -#}
{% macro slm_new_time_zones(relation) -%}
    {%- set sql -%}
        select count(*) from (
            select time_zone from {{ ref('stg_catalog__slos') }}
            union
            select time_zone from {{ ref('stg_catalog__contracts') }}
        ) as zones
        where time_zone not in (select distinct time_zone from {{ relation }})
    {%- endset -%}
    {{ return(run_query(sql).rows[0][0] > 0) }}
{%- endmacro %}
