{{ config(materialized='ephemeral') }}

{#- The minute base with each minute placed on the day it belongs to in its SLO's time zone (the
    calendar's `timeZone`; UTC otherwise). Minutes are kept only under the definition version they
    were computed with, the one in force on their UTC partition day; for an SLO in another zone a
    new version therefore starts at 00:00 UTC of its valid-from day. -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes') }}

),

versions as (

    select * from {{ ref('int_slo_versions_grouped') }}

),

final as (

    select
        minutes.slo_name,
        minutes.service,
        minutes.definition_hash,
        minutes.event_date,
        minutes.minute_ts,
        minutes.exclusion_kinds,
        minutes.version,
        minutes.good_events,
        minutes.total_events,
        minutes.records,
        versions.budgeting_method,
        versions.time_slice_minutes,
        versions.time_slice_target,
        versions.slice_count_op,
        versions.slice_count_value,
        versions.time_zone,
        {{ slm_local_day('minutes.minute_ts', 'minutes.event_date', 'versions.time_zone') }} as day,
        case
            when versions.time_zone = 'UTC' then minutes.minute_ts
            else {{ slm_utc_to_local('minutes.minute_ts', 'versions.time_zone') }}
        end as local_minute_ts

    from minutes
    inner join versions
        on minutes.slo_name = versions.slo_name
        and minutes.definition_hash = versions.definition_hash
        and {{ slm_version_in_force('versions', 'minutes.event_date') }}

)

select * from final
