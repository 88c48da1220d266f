{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- The records each minute of each source was expected to hold, for two reasons:
    - pattern: the mean records of the same hour of day over the previous (up to) 7 days, spread
      evenly over the hour, when that hour had telemetry on at least half of those days and
      `gap_min_history_days` of them are known;
    - mirror: another source of the service saw real requests in that minute; this source is
      expected to have recorded the busiest source's weighted requests times its own mean sample
      rate over the last 7 days. Probe-only sources neither mirror nor are mirrored.
    Incremental like the grid. -#}

{%- set since = slm_recompute_since() %}

with

counted as (

    select * from {{ ref('int_source_minutes_gridded') }}
    where {{ slm_since_filter('event_date', since) }}

),

hourly_history as (

    select * from {{ ref('int_source_hours_profiled') }}
    where {{ slm_since_filter('event_date', since) }}

),

busiest as (

    -- the most real requests any source of the service saw in the minute (only the minutes in
    -- which a source itself recorded nothing use it, so this is another source's count)
    select
        service,
        minute_ts,
        max(requests) as requests

    from counted
    group by service, minute_ts

),

final as (

    select
        counted.service,
        counted.source,
        counted.minute_ts,
        counted.event_date,
        counted.records,
        case
            when
                hourly_history.prior_days >= {{ var('gap_min_history_days') }}
                and hourly_history.prior_days_with_telemetry * 2 >= hourly_history.prior_days
                then hourly_history.prior_mean_records / 60
            else 0
        end as pattern_expected,
        case
            when hourly_history.recent_real_records > 0
                then busiest.requests * hourly_history.recent_sample_rate_sum / hourly_history.recent_real_records
            else 0
        end as mirror_expected

    from counted
    inner join hourly_history
        on counted.service = hourly_history.service
        and counted.source = hourly_history.source
        and counted.hour_ts = hourly_history.hour_ts
    inner join busiest
        on counted.service = busiest.service
        and counted.minute_ts = busiest.minute_ts

)

select * from final
