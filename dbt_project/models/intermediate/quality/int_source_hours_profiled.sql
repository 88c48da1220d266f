{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- Each source's telemetry per hour, with what the pattern and the mirror need to know of the
    past: for the same hour of day over the previous (up to) 7 days, how many days are known, how
    many had telemetry and their mean records; over the last 168 hours, the real records and
    their summed sample rates. Incremental like the grid: a run reads the 7 days before the first
    hour it recomputes. -#}

{%- set since = slm_recompute_since() %}

with

counted as (

    select * from {{ ref('int_source_minutes_gridded') }}
    where {{ slm_since_filter('event_date', since, back_days=7) }}

),

hourly as (

    select
        service,
        source,
        hour_ts,
        {{ slm_hour_of_day('hour_ts') }} as hour_of_day,
        sum(records) as records,
        sum(real_records) as real_records,
        sum(real_sample_rate_sum) as real_sample_rate_sum

    from counted
    group by service, source, hour_ts

),

final as (

    select
        service,
        source,
        hour_ts,
        cast(hour_ts as date) as event_date,
        count(*) over (
            partition by service, source, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_days,
        sum(case when records > 0 then 1 else 0 end) over (
            partition by service, source, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_days_with_telemetry,
        avg(cast(records as {{ slm_double() }})) over (
            partition by service, source, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_mean_records,
        sum(real_records) over (
            partition by service, source order by hour_ts
            rows between 168 preceding and current row
        ) as recent_real_records,
        sum(real_sample_rate_sum) over (
            partition by service, source order by hour_ts
            rows between 168 preceding and current row
        ) as recent_sample_rate_sum

    from hourly

)

select * from final
where {{ slm_since_filter('event_date', since) }}
