{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- Availability of each service as each telemetry source saw it, per UTC day: weighted events,
    good when the HTTP status is below 500 or, without a status, the outcome is `ok` (the SPEC's
    canonical rule). Independent of any SLO, so that a server's logs and its load balancer's can be
    compared. Incremental by day like the minute base. -#}

with

events as (

    select * from {{ ref('stg_lake__events') }}
    where {{ slm_window_filter('event_date') }}

),

final as (

    select
        service,
        coalesce(source, 'server') as source,
        event_date,
        sum(
            case
                when status_code is not null and status_code < 500 then weight
                when status_code is null and outcome = 'ok' then weight
                else 0
            end
        ) as good_events,
        sum(weight) as total_events,
        count(*) as records

    from events
    group by service, coalesce(source, 'server'), event_date

)

select * from final
