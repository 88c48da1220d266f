{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- The customers each service served, per UTC day, with their records: what decides which
    customers of an SLO grouped by customer have a group of their own (int_slo_groups). Small
    (customers x days), incremental by day like the minute base. -#}

with

events as (

    select * from {{ ref('stg_lake__events') }}
    where
        {{ slm_window_filter('event_date') }}
        and customer is not null

),

final as (

    select
        service,
        customer,
        event_date,
        count(*) as records

    from events
    group by service, customer, event_date

)

select * from final
