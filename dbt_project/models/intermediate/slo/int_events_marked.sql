{{ config(materialized='ephemeral') }}

{#- Events of the days being processed, each marked with the kinds of the Exclusion windows it
    falls in ('' when none). An event can sit in several windows of different kinds; a contract
    later decides which kinds it honours.

    Each service's time is cut into segments at every window's start and end, so the windows in
    force are the same all through a segment, and each event is looked up in its service's
    segments. Marking each event by its file and line instead (the events joined to the windows,
    then to the events again) cost about 4 s of a 10 M-event build without a single window, and
    its table of marked events outgrew the engine's memory limit with many (issue 15). -#}

with

events as (

    select * from {{ ref('stg_lake__events') }}
    where {{ slm_window_filter('event_date') }}

),

exclusions as (

    select * from {{ ref('stg_catalog__exclusions') }}
    where start_ts < end_ts

),

boundaries as (

    select
        service,
        start_ts as at_ts
    from exclusions

    union

    select
        service,
        end_ts as at_ts
    from exclusions

),

segments as (

    select
        service,
        at_ts as start_ts,
        lead(at_ts) over (partition by service order by at_ts) as end_ts

    from boundaries

),

-- the kinds in force through each segment: those of the windows holding its start
segments_marked as (

    select
        segments.service,
        segments.start_ts,
        segments.end_ts,
        {{ dbt.listagg('exclusions.kind', "','", "order by exclusions.kind") }} as exclusion_kinds

    from segments
    inner join exclusions
        on segments.service = exclusions.service
        and segments.start_ts >= exclusions.start_ts
        and segments.start_ts < exclusions.end_ts
    group by segments.service, segments.start_ts, segments.end_ts

),

final as (

    select
        events.*,
        coalesce(segments_marked.exclusion_kinds, '') as exclusion_kinds

    from events
    left join segments_marked
        on events.service = segments_marked.service
        and events.event_ts >= segments_marked.start_ts
        and events.event_ts < segments_marked.end_ts

)

select * from final
