{#- Every pair of sources that saw the same service on the same day, with their availabilities and
    whether they disagree: |availability - other_availability| > `source_tolerance` (a dbt var,
    0.001 = 0.1 percentage point by default). A server that logs 99.9 % while its load balancer
    counts 99.0 % is hiding failures that never reached it. Each pair appears once
    (source < other_source). The difference is rounded to 1e-9 first, so that 0.999 - 0.998 is
    exactly the 0.001 tolerance rather than 0.0010000000000000009 above it. -#}

with

by_source as (

    select * from {{ ref('fct_sli_by_source') }}

),

paired as (

    select
        a.service,
        a.day,
        a.source,
        b.source as other_source,
        a.total_events,
        b.total_events as other_total_events,
        a.availability,
        b.availability as other_availability

    from by_source as a
    inner join by_source as b
        on a.service = b.service
        and a.day = b.day
        and a.source < b.source

),

final as (

    select
        {{ slm_key(['service', 'day', 'source', 'other_source']) }} as reconciliation_id,
        service,
        day,
        source,
        other_source,
        total_events,
        other_total_events,
        availability,
        other_availability,
        round(abs(availability - other_availability), 9) as difference,
        cast({{ var('source_tolerance') }} as {{ slm_double() }}) as tolerance,
        round(abs(availability - other_availability), 9) > {{ var('source_tolerance') }} as disagrees

    from paired

)

select * from final
