{#- Deploys derived from the telemetry's `version` field: the first minute each new version of a
    service serves (events without a version say nothing; the first version ever seen is not a
    deploy, it was there before the telemetry). A deploy's attribution window is
    `deploy_attribution_minutes` after it, cut short by the service's next deploy. -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes') }}
    where version <> ''

),

first_served as (

    select
        service,
        version,
        min(minute_ts) as deployed_at
    from minutes
    group by service, version

),

ordered as (

    select
        service,
        version,
        deployed_at,
        row_number() over (partition by service order by deployed_at, version) as nth,
        lead(deployed_at) over (partition by service order by deployed_at, version) as next_deployed_at

    from first_served

),

final as (

    select
        {{ dbt.concat(['service', "'@'", 'version']) }} as deploy_id,
        service,
        version,
        deployed_at,
        case
            when
                next_deployed_at is not null
                and next_deployed_at < {{ dbt.dateadd('minute', var('deploy_attribution_minutes'), 'deployed_at') }}
                then next_deployed_at
            else {{ dbt.dateadd('minute', var('deploy_attribution_minutes'), 'deployed_at') }}
        end as window_end

    from ordered
    where nth > 1

)

select * from final
