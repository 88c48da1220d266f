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
    record usually lands after the days it covers (a postmortem), and must re-attribute them. It
    reads the minute base only where an exclusion, incident or deploy is; the rest of each day's
    bad events, what no cause covers, is the day's sum (int_slo_bad_events_summed, incremental)
    less the covered minutes', every part an exact decimal sum of the minute base's rows. -#}

with

caused as (

    select * from {{ ref('int_slo_minutes_caused') }}

),

-- what no cause covers: the day's bad events outside exclusions (under the definition version
-- in force, as the minute base keeps them), less the covered minutes'
uncovered as (

    select
        summed.slo_name,
        summed.service,
        summed.day,
        'unattributed' as cause_kind,
        '' as cause_id,
        summed.bad_events
    from {{ ref('int_slo_bad_events_summed') }} as summed
    inner join {{ ref('int_slo_versions_grouped') }} as versions
        on summed.slo_name = versions.slo_name
        and summed.definition_hash = versions.definition_hash
        and {{ slm_version_in_force('versions', 'summed.event_date') }}
    where versions.budgeting_method = 'Occurrences'

    union all

    select
        slo_name,
        service,
        day,
        'unattributed' as cause_kind,
        '' as cause_id,
        -bad_events as bad_events
    from caused
    where not excluded

),

parts as (

    select
        slo_name,
        service,
        day,
        cause_kind,
        cause_id,
        bad_events
    from caused

    union all

    select * from uncovered

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

    from parts
    group by slo_name, service, day, cause_kind, cause_id
    having sum(bad_events) <> 0  -- a cause that covered only good minutes spent nothing

)

select * from final
