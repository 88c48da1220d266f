{#- Per landed incident and each Occurrences SLO of the services it names: the bad events the
    incident was given in fct_budget_attribution (an exclusion covering a minute wins over it),
    their share of the SLO's budget (allowed_bad of fct_error_budget as of the day the incident was
    resolved, or started if open: the SLO's own window then), how long it took to detect (the first
    page-severity burn-rate alert of the SLO that started within the incident, else the declared
    `detected_at`), mitigate and resolve, and whether any burn-rate alert of the SLO fired while it
    lasted. An incident that spent budget while no alert fired is `missed`: the finding SREs look for. -#}

with

incidents as (

    select * from {{ ref('int_incident_services') }}

),

slos as (

    select
        slo_name,
        service
    from {{ ref('int_slos_grouped') }}
    where computed and budgeting_method = 'Occurrences'

),

spent as (

    select
        slo_name,
        cause_id as incident_id,
        sum(bad_events) as bad_events
    from {{ ref('fct_budget_attribution') }}
    where cause_kind = 'incident'
    group by slo_name, cause_id

),

episodes as (

    select * from {{ ref('fct_alert_episodes') }}

),

alerting as (

    select
        incidents.incident_id,
        episodes.slo_name,
        min(case
            when episodes.severity = 'page' and episodes.started_at >= incidents.started_at
                then episodes.started_at
        end) as first_page_at,
        count(*) as episodes

    from incidents
    inner join slos on incidents.service = slos.service
    inner join episodes
        on slos.slo_name = episodes.slo_name
        and incidents.started_at < episodes.ended_at
        and (incidents.resolved_at is null or incidents.resolved_at > episodes.started_at)
    group by incidents.incident_id, episodes.slo_name

),

budgets as (

    select
        slo_name,
        as_of,
        allowed_bad
    from {{ ref('fct_error_budget') }}

),

final as (

    select
        {{ slm_key(['incidents.incident_id', 'slos.slo_name']) }} as incident_impact_id,
        incidents.incident_id,
        slos.slo_name,
        incidents.service,
        incidents.title,
        incidents.severity,
        incidents.started_at,
        incidents.resolved_at,
        coalesce(spent.bad_events, 0) as bad_events,
        case when budgets.allowed_bad > 0 then coalesce(spent.bad_events, 0) / budgets.allowed_bad end
            as budget_share,
        case
            when alerting.first_page_at is not null then 'page_alert'
            when incidents.detected_at is not null then 'declared'
        end as detected_by,
        {{ slm_int(dbt.datediff('incidents.started_at',
                                'coalesce(alerting.first_page_at, incidents.detected_at)', 'minute')) }}
            as minutes_to_detect,
        {{ slm_int(dbt.datediff('incidents.started_at', 'incidents.mitigated_at', 'minute')) }} as minutes_to_mitigate,
        {{ slm_int(dbt.datediff('incidents.started_at', 'incidents.resolved_at', 'minute')) }} as minutes_to_resolve,
        coalesce(alerting.episodes, 0) > 0 as alerts_fired,
        coalesce(alerting.episodes, 0) = 0 and coalesce(spent.bad_events, 0) > 0 as missed

    from incidents
    inner join slos on incidents.service = slos.service
    left join spent on incidents.incident_id = spent.incident_id and slos.slo_name = spent.slo_name
    left join alerting on incidents.incident_id = alerting.incident_id and slos.slo_name = alerting.slo_name
    left join budgets
        on slos.slo_name = budgets.slo_name
        and budgets.as_of = cast(coalesce(incidents.resolved_at, incidents.started_at) as date)

)

select * from final
