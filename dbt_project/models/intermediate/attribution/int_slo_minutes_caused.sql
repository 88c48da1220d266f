{{ config(materialized='ephemeral') }}

{#- The minutes of Occurrences SLOs a cause covers, with the cause each goes to by
    fct_budget_attribution's precedence: every excluded minute (the first exclusion of the service
    by name, '' if none is listed), and each minute outside exclusions that an incident (the first
    by start) or else a deploy of its service covers. Bad events per minute as an exact decimal
    sum of its rows, as int_slo_bad_events_summed adds them: the mart takes the covered minutes
    outside exclusions away from the day's sum. Only the minutes a cause covers are grouped, not
    the whole history's (issue 15). -#}

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

by_incident as (

    select
        slo_name,
        minute_ts,
        incident_id as cause_id
    from (
        select
            minutes.slo_name,
            minutes.minute_ts,
            incidents.incident_id,
            row_number() over (
                partition by minutes.slo_name, minutes.minute_ts
                order by incidents.started_at, incidents.incident_id
            ) as nth
        from minutes
        inner join {{ ref('int_incident_services') }} as incidents
            on minutes.service = incidents.service
            and minutes.minute_ts >= {{ slm_minute('incidents.started_at') }}
            and (incidents.resolved_at is null or minutes.minute_ts < incidents.resolved_at)
        where not minutes.excluded
    ) as covering
    where nth = 1

),

by_deploy as (

    select distinct
        minutes.slo_name,
        minutes.minute_ts,
        deploys.deploy_id as cause_id
    from minutes
    inner join {{ ref('int_service_deploys') }} as deploys
        on minutes.service = deploys.service
        and minutes.minute_ts >= deploys.deployed_at
        and minutes.minute_ts < deploys.window_end
    where not minutes.excluded

),

covered as (

    select
        slo_name,
        minute_ts
    from by_incident
    union
    select
        slo_name,
        minute_ts
    from by_deploy

),

-- the covered minutes, their rows' bad events added as exact decimals
per_minute as (

    select
        slo_name,
        service,
        day,
        minute_ts,
        excluded,
        sum({{ slm_exact('bad_events') }}) as bad_events
    from (
        select * from minutes
        where excluded
        union all
        select minutes.*
        from minutes
        inner join covered
            on minutes.slo_name = covered.slo_name
            and minutes.minute_ts = covered.minute_ts
        where not minutes.excluded
    ) as caused
    group by slo_name, service, day, minute_ts, excluded

),

by_exclusion as (

    select
        per_minute.slo_name,
        per_minute.minute_ts,
        min(exclusions.exclusion_name) as cause_id
    from per_minute
    inner join {{ ref('stg_catalog__exclusions') }} as exclusions
        on per_minute.service = exclusions.service
        and exclusions.start_ts < {{ dbt.dateadd('minute', 1, 'per_minute.minute_ts') }}
        and per_minute.minute_ts < exclusions.end_ts
    where per_minute.excluded
    group by per_minute.slo_name, per_minute.minute_ts

),

attributed as (

    select
        per_minute.slo_name,
        per_minute.service,
        per_minute.day,
        per_minute.minute_ts,
        per_minute.excluded,
        case
            when per_minute.excluded then 'excluded'
            when by_incident.cause_id is not null then 'incident'
            else 'deploy'  -- a covered minute: an incident's or a deploy's
        end as cause_kind,
        case
            when per_minute.excluded then coalesce(by_exclusion.cause_id, '')
            else coalesce(by_incident.cause_id, by_deploy.cause_id)
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

)

select * from attributed
