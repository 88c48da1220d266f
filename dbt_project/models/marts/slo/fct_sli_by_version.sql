{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('day'),
        unique_key='day',
        on_schema_change='fail',
    )
}}

{#- Canary analysis: per SLO, day and deployed `version`, the version's SLI next to the baseline's
    over the same minutes. The baseline of a version is every other version's traffic in the
    minutes in which that version served at least one event, so a canary that ran from 12:00 to
    13:00 is compared with what the rest of the fleet did from 12:00 to 13:00, not all day.
    Raw figures (exclusions kept); events without a version form the version ''. Occurrences
    SLOs only. Incremental by local day: a run replaces the local days its UTC days touch, so one
    new day does not re-read the whole history (28 s of a one-day run on 90 days; issue 15). -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes_localized') }}
    where budgeting_method = 'Occurrences' and {{ slm_widened_window_filter('event_date', 2) }}

),

per_version as (

    select
        slo_name,
        service,
        day,
        minute_ts,
        version,
        sum(good_events) as good_events,
        sum(total_events) as total_events

    from minutes
    group by slo_name, service, day, minute_ts, version

),

per_minute as (

    select
        slo_name,
        minute_ts,
        sum(good_events) as good_events,
        sum(total_events) as total_events

    from per_version
    group by slo_name, minute_ts

),

compared as (

    select
        per_version.slo_name,
        per_version.service,
        per_version.day,
        per_version.version,
        sum(per_version.good_events) as good_events,
        sum(per_version.total_events) as total_events,
        sum(per_minute.good_events - per_version.good_events) as baseline_good_events,
        sum(per_minute.total_events - per_version.total_events) as baseline_total_events,
        {{ slm_int('sum(case when per_minute.total_events > per_version.total_events then 1 else 0 end)') }} as shared_minutes

    from per_version
    inner join per_minute
        on per_version.slo_name = per_minute.slo_name
        and per_version.minute_ts = per_minute.minute_ts
    group by per_version.slo_name, per_version.service, per_version.day, per_version.version

),

final as (

    select
        {{ slm_key(['slo_name', 'day', 'version']) }} as sli_version_day_id,
        slo_name,
        service,
        day,
        version,
        good_events,
        total_events,
        good_events / nullif(total_events, 0) as sli,
        baseline_good_events,
        baseline_total_events,
        baseline_good_events / nullif(baseline_total_events, 0) as baseline_sli,
        good_events / nullif(total_events, 0)
        - baseline_good_events / nullif(baseline_total_events, 0) as sli_delta,
        shared_minutes

    from compared
    where {{ slm_widened_window_filter('day', 1) }}

)

select * from final
