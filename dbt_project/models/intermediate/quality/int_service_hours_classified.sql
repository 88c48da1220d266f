{#- Every hour of every service that has reported, classified: did telemetry arrive, and was it
    expected? An hour is expected when the same hour of the day had telemetry on at least half of
    the previous (up to) seven days, with at least `gap_min_history_days` of them to judge from, so
    a quiet night on a low-traffic service is not a gap but a service that goes silent at a time it
    normally reports is. An expected hour without any
    record is a gap. The grid runs to the last hour any service reported, so a service that stops
    reporting before the others is caught too. -#}

{%- set events = ref('stg_lake__events') %}
{%- set first_hour = "(select min(" ~ slm_hour('event_ts') ~ ") from " ~ events ~ ")" %}
{%- set after_last_hour = "(select " ~ dbt.dateadd('hour', 1, 'max(' ~ slm_hour('event_ts') ~ ')') ~ " from " ~ events ~ ")" %}

with

events as (

    select * from {{ events }}

),

hourly as (

    select
        service,
        {{ slm_hour('event_ts') }} as hour_ts,
        count(*) as records

    from events
    group by service, {{ slm_hour('event_ts') }}

),

service_bounds as (

    select
        service,
        min(hour_ts) as first_hour_ts

    from hourly
    group by service

),

spine as (

    {{ dbt.date_spine('hour', first_hour, after_last_hour) }}

),

grid as (

    select
        service_bounds.service,
        cast(spine.date_hour as {{ dbt.type_timestamp() }}) as hour_ts

    from spine
    cross join service_bounds
    where spine.date_hour >= service_bounds.first_hour_ts

),

counted as (

    select
        grid.service,
        grid.hour_ts,
        {{ slm_hour_of_day('grid.hour_ts') }} as hour_of_day,
        coalesce(hourly.records, 0) as records

    from grid
    left join hourly
        on grid.service = hourly.service
        and grid.hour_ts = hourly.hour_ts

),

with_history as (

    select
        *,
        count(*) over (
            partition by service, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_days,
        sum(case when records > 0 then 1 else 0 end) over (
            partition by service, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_days_with_telemetry

    from counted

),

classified as (

    select
        {{ slm_key(['service', 'hour_ts']) }} as service_hour_id,
        service,
        hour_ts,
        cast(hour_ts as date) as day,
        records,
        prior_days,
        coalesce(prior_days_with_telemetry, 0) as prior_days_with_telemetry,
        records > 0 as has_telemetry,
        (prior_days >= {{ var('gap_min_history_days') }}
            and coalesce(prior_days_with_telemetry, 0) * 2 >= prior_days) as is_expected

    from with_history

),

final as (

    select
        *,
        records = 0 and is_expected as is_gap

    from classified

)

select * from final
