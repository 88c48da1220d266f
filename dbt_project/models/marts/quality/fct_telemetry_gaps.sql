{#- Telemetry gaps: runs of consecutive expected hours in which a service sent nothing
    (see int_service_hours_classified for what "expected" means). -#}

with

gap_hours as (

    select service, hour_ts
    from {{ ref('int_service_hours_classified') }}
    where is_gap

),

islands as (

    select
        service,
        hour_ts,
        {{ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'hour_ts', 'hour') }}
            - row_number() over (partition by service order by hour_ts) as island

    from gap_hours

),

final as (

    select
        {{ slm_key(['service', 'min(hour_ts)']) }} as gap_id,
        service,
        'any' as source,
        min(hour_ts) as gap_start,
        {{ dbt.dateadd('hour', 1, 'max(hour_ts)') }} as gap_end,
        count(*) * 60 as gap_minutes

    from islands
    group by service, island

)

select * from final
