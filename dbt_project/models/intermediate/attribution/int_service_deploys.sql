{#- Every deploy of a service, with the end of its attribution window (`deploy_attribution_minutes`
    after it, cut short by the service's next deploy). A service with delivered deploy events
    (stg_lake__deploys) is judged by them: a deploy starts at `started_at`; it is a rollback when
    its outcome says so or it brings back a version an earlier deploy of the service had. The
    others' deploys are derived from their telemetry (int_deploys_derived). -#}

with

delivered as (

    select * from {{ ref('stg_lake__deploys') }}

),

derived as (

    select * from {{ ref('int_deploys_derived') }}

),

first_delivered as (

    select
        service,
        version,
        min(started_at) as first_started
    from delivered
    group by service, version

),

given as (

    select
        delivered.service,
        delivered.version,
        delivered.started_at as deployed_at,
        coalesce(lower(delivered.outcome) in ('rollback', 'rolled_back', 'rolled back'), false)
        or delivered.started_at > first_delivered.first_started as is_rollback,
        'delivered' as deploy_source,
        delivered.who
    from delivered
    inner join first_delivered
        on delivered.service = first_delivered.service
        and delivered.version = first_delivered.version

),

deploys as (

    select * from derived
    union all
    select * from given

),

windowed as (

    select
        *,
        lead(deployed_at) over (partition by service order by deployed_at, version) as next_deployed_at
    from deploys

),

final as (

    select
        {{ dbt.concat(['service', "'@'", 'version', "' '", "cast(deployed_at as " ~ dbt.type_string() ~ ")"]) }} as deploy_id,
        service,
        version,
        deployed_at,
        is_rollback,
        deploy_source,
        who,
        case
            when
                next_deployed_at is not null
                and next_deployed_at < {{ dbt.dateadd('minute', var('deploy_attribution_minutes'), 'deployed_at') }}
                then next_deployed_at
            else {{ dbt.dateadd('minute', var('deploy_attribution_minutes'), 'deployed_at') }}
        end as window_end

    from windowed

)

select * from final
