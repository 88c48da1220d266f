{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('day'),
        unique_key='day',
        on_schema_change='fail',
    )
}}

{#- Telemetry coverage of each service per local day, for every time zone an SLO or contract
    uses: `expected_minutes` are minutes in which some source of the service had or was expected
    to have telemetry, `gap_minutes` those of them inside a gap of any of its sources, and
    `gap_expected_records` the records the gaps should have held (for the missing-data policy).
    Minutes are grouped in quarter hours first: every zone's offset is a whole number of them.
    Incremental by local day: a run recomputes from the local day before the first day the gap
    judgement rewrote (a zone is at most a day from UTC); a zone new to the catalog rebuilds
    every day. -#}

{%- set classified = ref('int_source_minutes_classified') %}
{%- set since = slm_silence_start(classified, slm_recompute_since('day', back_days=1)) %}
{%- if since is not none and slm_new_time_zones(this) %}
{%- set since = none %}
{%- endif %}

with

minutes as (

    select * from {{ classified }}
    where {{ slm_since_filter('event_date', since, back_days=2) }}

),

zones as (

    select time_zone from {{ ref('stg_catalog__slos') }}
    union
    select time_zone from {{ ref('stg_catalog__contracts') }}

),

service_minutes as (

    select
        service,
        minute_ts,
        event_date,
        max(case when is_expected then 1 else 0 end) as is_expected,
        max(case when is_gap then 1 else 0 end) as is_gap,
        sum(case when is_gap then expected_records else 0 end) as gap_expected_records

    from minutes
    group by service, minute_ts, event_date

),

quarters as (

    select
        service,
        {{ dbt.dateadd('minute', '-1 * mod(' ~ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') ~ ', 15)', 'minute_ts') }} as quarter_ts,
        min(event_date) as event_date,
        {{ slm_int("sum(is_expected)") }} as expected_minutes,
        {{ slm_int("sum(is_gap)") }} as gap_minutes,
        sum(gap_expected_records) as gap_expected_records

    from service_minutes
    group by
        service,
        {{ dbt.dateadd('minute', '-1 * mod(' ~ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') ~ ', 15)', 'minute_ts') }}

),

final as (

    select
        quarters.service,
        zones.time_zone,
        {{ slm_local_day('quarters.quarter_ts', 'quarters.event_date', 'zones.time_zone') }} as day,
        {{ slm_int("sum(quarters.expected_minutes)") }} as expected_minutes,
        {{ slm_int("sum(quarters.gap_minutes)") }} as gap_minutes,
        sum(quarters.gap_expected_records) as gap_expected_records

    from quarters
    cross join zones
    group by
        quarters.service,
        zones.time_zone,
        {{ slm_local_day('quarters.quarter_ts', 'quarters.event_date', 'zones.time_zone') }}

)

select * from final
where {{ slm_since_filter('day', since, back_days=1) }}
