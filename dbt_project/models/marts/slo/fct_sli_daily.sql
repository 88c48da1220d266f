{#- One row per SLO and day (the SLO's local day: UTC unless its calendar names a time zone), with the target and definition in force that day. `sli` keeps every event; `sli_adjusted` removes the events inside
    approved Exclusion windows from numerator and denominator. `coverage` is the share of the
    minutes in which the service's telemetry was expected (`expected_minutes`) that were not lost
    to a gap of any of its sources (`gap_minutes`); 1 when nothing was expected. -#}

with

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

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
        daily.expected_minutes,
        daily.gap_minutes,
        {{ slm_coverage('daily.expected_minutes', 'daily.gap_minutes') }} as coverage,
        daily.records

    from daily

)

select * from final
