{#- Where the budget went: per SLO, day and cause, the day's raw bad events (total - good, as in
    fct_sli_daily) split so that each bad event counts once. A minute's bad events go to the first
    cause that covers the minute, in this order:
      1. excluded: an approved Exclusion window of the service (the alphabetically first, if several);
      2. incident: a landed incident naming the service, from the minute it started until it was
         resolved (the earliest started, if several; open until resolved);
      3. deploy: a deploy of the service (int_service_deploys), for `deploy_attribution_minutes`
         after it and before the next;
      4. unattributed, with an empty cause_id.
    Occurrences SLOs only (a time-slice SLO counts slices, not events); a cause that spent nothing
    has no row. The parts add up to the day's bad events for every SLO and day (tests/warehouse/test_budget_attribution.py).
    A table, rebuilt each run, not incremental by day like fct_sli_by_version: an incident or deploy
    record usually lands after the days it covers (a postmortem), and must re-attribute them. -#}

with

minutes as (

    select
        slo_name,
        service,
        day,
        minute_ts,
        exclusion_kinds <> '' as excluded,
        total_events - good_events as bad_events

    from {{ ref('int_slo_minutes_localized') }}
    where budgeting_method = 'Occurrences'

),

per_minute as (

    select
        slo_name,
        service,
        day,
        minute_ts,
        excluded,
        sum(bad_events) as bad_events
    from minutes
    group by slo_name, service, day, minute_ts, excluded

),

exclusions as (

    select * from {{ ref('stg_catalog__exclusions') }}

),

by_exclusion as (

    select
        per_minute.slo_name,
        per_minute.minute_ts,
        min(exclusions.exclusion_name) as cause_id
    from per_minute
    inner join exclusions
        on per_minute.service = exclusions.service
        and exclusions.start_ts < {{ dbt.dateadd('minute', 1, 'per_minute.minute_ts') }}
        and per_minute.minute_ts < exclusions.end_ts
    where per_minute.excluded
    group by per_minute.slo_name, per_minute.minute_ts

),

by_incident as (

    select
        slo_name,
        minute_ts,
        incident_id as cause_id
    from (
        select
            per_minute.slo_name,
            per_minute.minute_ts,
            incidents.incident_id,
            row_number() over (
                partition by per_minute.slo_name, per_minute.minute_ts
                order by incidents.started_at, incidents.incident_id
            ) as nth
        from per_minute
        inner join {{ ref('int_incident_services') }} as incidents
            on per_minute.service = incidents.service
            and per_minute.minute_ts >= {{ slm_minute('incidents.started_at') }}
            and (incidents.resolved_at is null or per_minute.minute_ts < incidents.resolved_at)
        where not per_minute.excluded
    ) as covering
    where nth = 1

),

by_deploy as (

    select
        per_minute.slo_name,
        per_minute.minute_ts,
        deploys.deploy_id as cause_id
    from per_minute
    inner join {{ ref('int_service_deploys') }} as deploys
        on per_minute.service = deploys.service
        and per_minute.minute_ts >= deploys.deployed_at
        and per_minute.minute_ts < deploys.window_end
    where not per_minute.excluded

),

attributed as (

    select
        per_minute.slo_name,
        per_minute.service,
        per_minute.day,
        case
            when per_minute.excluded then 'excluded'
            when by_incident.cause_id is not null then 'incident'
            when by_deploy.cause_id is not null then 'deploy'
            else 'unattributed'
        end as cause_kind,
        case
            when per_minute.excluded then coalesce(by_exclusion.cause_id, '')
            else coalesce(by_incident.cause_id, by_deploy.cause_id, '')
        end as cause_id,
        per_minute.bad_events

    from per_minute
    left join by_exclusion
        on per_minute.excluded
        and per_minute.slo_name = by_exclusion.slo_name
        and per_minute.minute_ts = by_exclusion.minute_ts
    left join by_incident
        on not per_minute.excluded
        and per_minute.slo_name = by_incident.slo_name
        and per_minute.minute_ts = by_incident.minute_ts
    left join by_deploy
        on not per_minute.excluded
        and per_minute.slo_name = by_deploy.slo_name
        and per_minute.minute_ts = by_deploy.minute_ts

),

final as (

    select
        {{ slm_key(['slo_name', 'day', 'cause_kind', 'cause_id']) }} as attribution_id,
        slo_name,
        service,
        day,
        cause_kind,
        cause_id,
        {{ slm_exact_sum('bad_events') }} as bad_events

    from attributed
    group by slo_name, service, day, cause_kind, cause_id
    having sum(bad_events) <> 0  -- a cause that covered only good minutes spent nothing

)

select * from final
