{{ config(materialized='ephemeral') }}

{#- Events of the days being processed, each marked with the kinds of the Exclusion windows it
    falls in ('' when none). An event can sit in several windows of different kinds; a contract
    later decides which kinds it honours. -#}

with

events as (

    select * from {{ ref('stg_lake__events') }}
    where {{ slm_window_filter('event_date') }}

),

exclusions as (

    select * from {{ ref('stg_catalog__exclusions') }}

),

excluded as (

    select
        events.file_sha256,
        events.line,
        {{ dbt.listagg('exclusions.kind', "','", "order by exclusions.kind") }} as exclusion_kinds

    from events
    inner join exclusions
        on events.service = exclusions.service
        and events.event_ts >= exclusions.start_ts
        and events.event_ts < exclusions.end_ts
    group by events.file_sha256, events.line

),

final as (

    select
        events.*,
        coalesce(excluded.exclusion_kinds, '') as exclusion_kinds

    from events
    left join excluded
        on events.file_sha256 = excluded.file_sha256
        and events.line = excluded.line

)

select * from final
