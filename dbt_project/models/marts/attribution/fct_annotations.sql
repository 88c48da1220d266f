{#- Everything said about a stretch of an SLO's or a service's time, for BI and the reports'
    charts: what people wrote (`slm annotate`, source `user`, with who and when) and what the
    warehouse knows (alert episodes, approved exclusions, telemetry gaps, incidents, deploys and
    rollbacks, and definition changes, whose `who` is `slm`). A service-wide one has no slo_name. -#}

with

written as (

    select
        annotation_id,
        'user' as annotation_source,
        slo_name,
        service,
        cast(from_ts as {{ dbt.type_timestamp() }}) as from_ts,
        cast(to_ts as {{ dbt.type_timestamp() }}) as to_ts,
        note,
        who,
        cast(annotated_at as {{ dbt.type_timestamp() }}) as annotated_at
    from {{ ref('stg_catalog__annotations') }}

),

slos as (

    select distinct
        slo_name,
        service
    from {{ ref('int_slo_versions_grouped') }}

),

alerts as (

    select
        episodes.episode_id as annotation_id,
        'alert' as annotation_source,
        episodes.slo_name,
        slos.service,
        cast(episodes.started_at as {{ dbt.type_timestamp() }}) as from_ts,
        cast(episodes.ended_at as {{ dbt.type_timestamp() }}) as to_ts,
        {{ dbt.concat(["episodes.severity", "' alert fired ('", "episodes.long_window", "'/'",
                       "episodes.short_window", "')'"]) }} as note
    from {{ ref('fct_alert_episodes') }} as episodes
    inner join slos on episodes.slo_name = slos.slo_name

),

exclusions as (

    select
        {{ slm_key(['exclusion_name', 'service', 'start_ts']) }} as annotation_id,
        'exclusion' as annotation_source,
        cast(null as {{ dbt.type_string() }}) as slo_name,
        service,
        cast(start_ts as {{ dbt.type_timestamp() }}) as from_ts,
        cast(end_ts as {{ dbt.type_timestamp() }}) as to_ts,
        {{ dbt.concat(["kind", "': '", "exclusion_name", "' '", "reason"]) }} as note
    from {{ ref('stg_catalog__exclusions') }}

),

gaps as (

    select
        gap_id as annotation_id,
        'gap' as annotation_source,
        cast(null as {{ dbt.type_string() }}) as slo_name,
        service,
        cast(gap_start as {{ dbt.type_timestamp() }}) as from_ts,
        cast(gap_end as {{ dbt.type_timestamp() }}) as to_ts,
        {{ dbt.concat(["'telemetry gap in '", "source"]) }} as note
    from {{ ref('fct_telemetry_gaps') }}

),

incidents as (

    select
        {{ slm_key(['incident_id', 'service']) }} as annotation_id,
        'incident' as annotation_source,
        cast(null as {{ dbt.type_string() }}) as slo_name,
        service,
        cast(started_at as {{ dbt.type_timestamp() }}) as from_ts,
        cast(coalesce(resolved_at, started_at) as {{ dbt.type_timestamp() }}) as to_ts,
        {{ dbt.concat(["incident_id", "': '", "coalesce(title, '')"]) }} as note
    from {{ ref('int_incident_services') }}

),

deploys as (

    select
        deploy_id as annotation_id,
        case when is_rollback then 'rollback' else 'deploy' end as annotation_source,
        cast(null as {{ dbt.type_string() }}) as slo_name,
        service,
        cast(deployed_at as {{ dbt.type_timestamp() }}) as from_ts,
        cast(window_end as {{ dbt.type_timestamp() }}) as to_ts,
        {{ dbt.concat(["case when is_rollback then 'rollback to ' else 'deploy of ' end", "version"]) }} as note
    from {{ ref('int_service_deploys') }}

),

definitions as (

    select
        {{ slm_key(['slo_name', 'definition_hash']) }} as annotation_id,
        'definition' as annotation_source,
        slo_name,
        service,
        cast(valid_from as {{ dbt.type_timestamp() }}) as from_ts,
        cast(valid_from as {{ dbt.type_timestamp() }}) as to_ts,
        {{ dbt.concat(["'definition in force: '", "definition_hash"]) }} as note
    from {{ ref('int_slo_versions_grouped') }}

),

generated as (

    select * from alerts
    union all
    select * from exclusions
    union all
    select * from gaps
    union all
    select * from incidents
    union all
    select * from deploys
    union all
    select * from definitions

),

final as (

    select * from written
    union all
    select
        *,
        'slm' as who,
        cast(null as {{ dbt.type_timestamp() }}) as annotated_at
    from generated

)

select * from final
