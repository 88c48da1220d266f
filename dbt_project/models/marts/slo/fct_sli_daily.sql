{#- One row per SLO and UTC day, with the target and definition in force that day. `sli` keeps every event; `sli_adjusted` removes the events inside
    approved Exclusion windows from numerator and denominator. `coverage` is the share of the
    day's minutes not lost to a telemetry gap of the SLO's service. -#}

with

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

service_hours as (

    select * from {{ ref('int_service_hours_classified') }}

),

gap_minutes as (

    select
        service,
        day,
        sum(case when is_gap then 60 else 0 end) as gap_minutes

    from service_hours
    group by service, day

),

final as (

    select
        {{ slm_key(['daily.slo_name', 'daily.day']) }} as sli_day_id,
        daily.slo_name,
        daily.service,
        daily.day,
        daily.target,
        daily.definition_hash,
        daily.good_events,
        daily.total_events,
        daily.excluded_events,
        daily.good_events / nullif(daily.total_events, 0) as sli,
        (daily.good_events - daily.excluded_good_events)
            / nullif(daily.total_events - daily.excluded_events, 0) as sli_adjusted,
        1.0 - coalesce(gap_minutes.gap_minutes, 0) / 1440.0 as coverage,
        daily.records

    from daily
    left join gap_minutes
        on daily.service = gap_minutes.service
        and daily.day = gap_minutes.day

)

select * from final
