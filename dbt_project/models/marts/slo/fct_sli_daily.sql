{#- One row per SLO and day (the SLO's local day: UTC unless its calendar names a time zone), with the target and definition in force that day. `sli` keeps every event; `sli_adjusted` removes the events inside
    approved Exclusion windows from numerator and denominator. `coverage` is the share of the
    day's minutes (`day_minutes`) not lost to a telemetry gap of the SLO's service. -#}

with

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

service_hours as (

    select * from {{ ref('int_service_hours_classified') }}

),

zones as (

    select distinct time_zone from daily

),

gap_minutes as (

    select
        service_hours.service,
        zones.time_zone,
        {{ slm_local_day('service_hours.hour_ts', 'service_hours.day', 'zones.time_zone') }} as day,
        sum(case when service_hours.is_gap then 60 else 0 end) as gap_minutes

    from service_hours
    cross join zones
    group by
        service_hours.service,
        zones.time_zone,
        {{ slm_local_day('service_hours.hour_ts', 'service_hours.day', 'zones.time_zone') }}

),

final as (

    select
        {{ slm_key(['daily.slo_name', 'daily.day']) }} as sli_day_id,
        daily.slo_name,
        daily.service,
        daily.day,
        daily.time_zone,
        daily.day_minutes,
        daily.target,
        daily.definition_hash,
        daily.good_events,
        daily.total_events,
        daily.excluded_events,
        daily.good_events / nullif(daily.total_events, 0) as sli,
        (daily.good_events - daily.excluded_good_events)
            / nullif(daily.total_events - daily.excluded_events, 0) as sli_adjusted,
        1.0 - coalesce(gap_minutes.gap_minutes, 0) / cast(daily.day_minutes as {{ slm_double() }}) as coverage,
        daily.records

    from daily
    left join gap_minutes
        on daily.service = gap_minutes.service
        and daily.time_zone = gap_minutes.time_zone
        and daily.day = gap_minutes.day

)

select * from final
