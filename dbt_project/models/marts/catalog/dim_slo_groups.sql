{#- Every name an SLO is computed under, for joining the marts (keyed by `slo_name`) back to the
    catalog's SLO: an ungrouped SLO's own name (`group_value` null), and for an SLO with
    `groupBy: [customer]` one `<slo>[<customer>]` per customer with a group of its own and
    `<slo>[(other)]` for the rest (`is_other`). -#}

with

groups as (

    select * from {{ ref('int_slo_groups') }}

),

slos as (

    select distinct
        slo_name,
        service
    from {{ ref('stg_catalog__slo_versions') }}

),

final as (

    select
        groups.slo_name,
        groups.parent_slo_name,
        slos.service,
        case when groups.group_value is null and not groups.is_other then null else 'customer' end as group_by,
        groups.group_value,
        groups.is_other

    from groups
    inner join slos
        on groups.parent_slo_name = slos.slo_name

)

select * from final
