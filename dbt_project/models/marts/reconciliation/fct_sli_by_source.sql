{#- A service's availability per telemetry source and UTC day (int_service_sources_daily). -#}

with

sources as (

    select * from {{ ref('int_service_sources_daily') }}

),

final as (

    select
        {{ slm_key(['service', 'source', 'event_date']) }} as service_source_day_id,
        service,
        source,
        event_date as day,
        good_events,
        total_events,
        good_events / nullif(total_events, 0) as availability,
        records

    from sources

)

select * from final
