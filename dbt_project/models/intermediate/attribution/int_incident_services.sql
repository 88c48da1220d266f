{#- Each landed incident with each of our services it names: the services it lists; else the
    services whose status page components (`slm/components`) it lists; else those whose
    component names appear in its title (case-insensitive), as a status page history that gives
    only titles ("Incident with Actions and Pages") names them. -#}

with

incidents as (

    select * from {{ ref('stg_lake__incidents') }}

),

names as (

    select * from {{ ref('stg_lake__incident_names') }}

),

services as (

    select * from {{ ref('stg_catalog__services') }}

),

components as (

    select * from {{ ref('stg_catalog__service_components') }}

),

named as (

    select
        names.incident_id,
        services.service_name as service
    from names
    inner join services on names.name_kind = 'service' and names.name = services.service_name

    union all

    select
        names.incident_id,
        components.service_name
    from names
    inner join components on names.name_kind = 'component' and lower(names.name) = lower(components.component)

    union all

    select
        names.incident_id,
        components.service_name
    from names
    inner join components
        on names.name_kind = 'title'
        and {{ dbt.position('lower(components.component)', 'lower(names.name)') }} > 0

),

final as (

    select distinct
        incidents.incident_id,
        named.service,
        incidents.title,
        incidents.severity,
        incidents.started_at,
        incidents.detected_at,
        incidents.mitigated_at,
        incidents.resolved_at,
        incidents.url

    from named
    inner join incidents on named.incident_id = incidents.incident_id

)

select * from final
