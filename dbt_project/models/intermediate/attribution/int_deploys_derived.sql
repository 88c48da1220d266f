{#- Deploys derived from the telemetry's `version` field, for the services without delivered deploy
    events: a deploy is the first minute a new version serves (the first version ever seen was there
    before, not a deploy); a rollback is the minute after a version stopped serving for good while
    an older one kept serving and nothing newer came (canary traffic that comes and goes is not a
    rollback). -#}

with

delivered as (

    select * from {{ ref('stg_lake__deploys') }}

),

minutes as (

    select
        service,
        version,
        minute_ts
    from {{ ref('int_slo_minutes') }}
    where version <> ''

),

delivering as (

    select distinct service from delivered

),

served as (

    select
        minutes.service,
        minutes.version,
        min(minutes.minute_ts) as first_served,
        max(minutes.minute_ts) as last_served
    from minutes
    left join delivering on minutes.service = delivering.service
    where delivering.service is null
    group by minutes.service, minutes.version

),

ranked as (

    select
        *,
        row_number() over (partition by service order by first_served, version) as nth
    from served

),

superseded as (

    select distinct
        newer.service,
        newer.version
    from ranked as newer
    inner join ranked as later
        on newer.service = later.service
        and newer.nth < later.nth
        and newer.last_served < later.last_served

),

rolled_back as (

    select
        newer.service,
        newer.last_served,
        max(older.nth) as back_to_nth
    from ranked as newer
    inner join ranked as older
        on newer.service = older.service
        and newer.nth > older.nth
        and newer.last_served < older.last_served
    left join superseded
        on newer.service = superseded.service
        and newer.version = superseded.version
    where superseded.service is null
    group by newer.service, newer.version, newer.last_served

),

derived as (

    select
        service,
        version,
        first_served as deployed_at,
        false as is_rollback,
        'derived' as deploy_source,
        cast(null as {{ dbt.type_string() }}) as who
    from ranked
    where nth > 1

    union all

    select
        rolled_back.service,
        ranked.version,
        {{ dbt.dateadd('minute', 1, 'rolled_back.last_served') }} as deployed_at,
        true as is_rollback,
        'derived' as deploy_source,
        cast(null as {{ dbt.type_string() }}) as who
    from rolled_back
    inner join ranked
        on rolled_back.service = ranked.service
        and rolled_back.back_to_nth = ranked.nth

)

select * from derived
