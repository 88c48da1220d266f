with

minutes as (

    select * from {{ ref('int_slo_minutes') }}

),

final as (

    select
        slo_name,
        service,
        event_date as day,
        sum(good_events) as good_events,
        sum(total_events) as total_events,
        sum(case when exclusion_kinds <> '' then total_events else 0 end) as excluded_events,
        sum(case when exclusion_kinds <> '' then good_events else 0 end) as excluded_good_events,
        sum(records) as records

    from minutes
    group by slo_name, service, event_date

)

select * from final
