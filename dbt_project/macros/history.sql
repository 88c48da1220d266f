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

{#- The latest UTC midnight at or before `day` that no source's silence runs across (the minute
    before it is not silent for any source), read from the classified minutes `classified`; none
    when there is none. A gap's judgement sums its whole silence, so a recomputation that starts
    at such a midnight judges every silence it sees whole. -#}
{% macro slm_quiet_midnight(classified, day) -%}
    {%- if day is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set sql -%}
        select max(day_after) from (
            select
                {{ dbt.dateadd('day', 1, 'event_date') }} as day_after,
                max(case when records = 0 and expected_records > 0 then 1 else 0 end) as silent
            from {{ classified }}
            where event_date < cast('{{ day }}' as date)
                and {{ dbt.datediff('cast(event_date as ' ~ dbt.type_timestamp() ~ ')', 'minute_ts', 'minute') }} = 1439
            group by {{ dbt.dateadd('day', 1, 'event_date') }}
        ) as last_minutes
        where silent = 0
    {%- endset -%}
    {%- set quiet = run_query(sql).rows[0][0] -%}
    {{ return(none if quiet is none else modules.datetime.date.fromisoformat((quiet | string)[:10])) }}
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
