{#- Per deploy (int_service_deploys: the first minute a new version served) and each Occurrences
    SLO of its service: the SLI over the `deploy_attribution_minutes` before it and over its
    attribution window after it (raw, exclusions kept), the canary delta of the new version that
    day from fct_sli_by_version (null when it never served beside another version), and a verdict:
    `regression` when the SLI after is lower than before by more than `deploy_verdict_tolerance`,
    `improvement` when higher by more than it, `neutral` otherwise, `unknown` without traffic on
    either side. -#}

with

deploys as (

    select * from {{ ref('int_service_deploys') }}

),

slos as (

    select
        slo_name,
        service
    from {{ ref('int_slos_grouped') }}
    where computed and budgeting_method = 'Occurrences'

),

minutes as (

    select
        slo_name,
        service,
        minute_ts,
        good_events,
        total_events
    from {{ ref('int_slo_minutes') }}

),

around as (

    select
        deploys.deploy_id,
        slos.slo_name,
        sum(case when minutes.minute_ts < deploys.deployed_at then minutes.good_events end) as good_before,
        sum(case when minutes.minute_ts < deploys.deployed_at then minutes.total_events end) as total_before,
        sum(case when minutes.minute_ts >= deploys.deployed_at then minutes.good_events end) as good_after,
        sum(case when minutes.minute_ts >= deploys.deployed_at then minutes.total_events end) as total_after

    from deploys
    inner join slos on deploys.service = slos.service
    inner join minutes
        on slos.slo_name = minutes.slo_name
        and minutes.minute_ts >= {{ dbt.dateadd('minute', -var('deploy_attribution_minutes'), 'deploys.deployed_at') }}
        and deploys.window_end > minutes.minute_ts
    group by deploys.deploy_id, slos.slo_name

),

canary as (

    select
        slo_name,
        day,
        version,
        sli_delta
    from {{ ref('fct_sli_by_version') }}

),

figures as (

    select
        deploys.deploy_id,
        deploys.service,
        deploys.version,
        deploys.deployed_at,
        deploys.window_end,
        deploys.is_rollback,
        deploys.deploy_source,
        deploys.who,
        slos.slo_name,
        around.good_before / nullif(around.total_before, 0) as sli_before,
        around.good_after / nullif(around.total_after, 0) as sli_after,
        canary.sli_delta as canary_delta

    from deploys
    inner join slos on deploys.service = slos.service
    left join around on deploys.deploy_id = around.deploy_id and slos.slo_name = around.slo_name
    left join canary
        on slos.slo_name = canary.slo_name
        and deploys.version = canary.version
        and canary.day = cast(deploys.deployed_at as date)

),

final as (

    select
        {{ slm_key(['deploy_id', 'slo_name']) }} as deploy_impact_id,
        *,
        case
            when sli_before is null or sli_after is null then 'unknown'
            when sli_after < sli_before - {{ var('deploy_verdict_tolerance') }} then 'regression'
            when sli_after > sli_before + {{ var('deploy_verdict_tolerance') }} then 'improvement'
            else 'neutral'
        end as verdict

    from figures

)

select * from final
