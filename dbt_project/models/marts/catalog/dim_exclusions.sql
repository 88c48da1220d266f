{#- Every exclusion window the catalog approves, one row per window and service (a recurring
    exclusion's occurrences each): what a contract statement lists as honoured, with its reason,
    approver and ticket, frozen in the period's audit snapshot beside the figures it explains. -#}

with

exclusions as (

    select * from {{ ref('stg_catalog__exclusions') }}

),

final as (

    select
        {{ slm_key(['exclusion_name', 'service', 'start_ts']) }} as exclusion_id,
        exclusion_name,
        service,
        kind,
        start_ts,
        end_ts,
        reason,
        approved_by,
        ticket

    from exclusions

)

select * from final
