{#- Every contract with what its rules need from elsewhere in the catalog: its SLO's budgeting
    method and slice length, and the exclusion kinds it honours as a list for people to read
    (the rule itself joins stg_catalog__contract_exclusion_kinds). `slo_name` is the name the
    figures are computed under: for a contract scoped to a customer, that customer's group of
    its SLO, as int_slo_groups names it; `catalog_slo_name` is the SLO the contract names. -#}

with

contracts as (

    select * from {{ ref('stg_catalog__contracts') }}

),

slos as (

    select * from {{ ref('stg_catalog__slos') }}

),

honoured_kinds as (

    select * from {{ ref('stg_catalog__contract_exclusion_kinds') }}

),

groups as (

    select * from {{ ref('int_slo_groups') }}
    where group_value is not null

),

kinds_listed as (

    select
        contract_name,
        {{ dbt.listagg('kind', "','", "order by kind") }} as exclusion_kinds

    from honoured_kinds
    group by contract_name

),

final as (

    select
        {{ slm_columns_except(ref('stg_catalog__contracts'), 'contracts', ['slo_name']) }},
        -- the name its SLO is computed under for it: a scoped contract's customer's group (every
        -- scoped customer has one), else the SLO's own
        coalesce(groups.slo_name, contracts.slo_name) as slo_name,
        contracts.slo_name as catalog_slo_name,
        coalesce(kinds_listed.exclusion_kinds, '') as exclusion_kinds,
        slos.budgeting_method,
        slos.time_slice_minutes

    from contracts
    left join slos
        on contracts.slo_name = slos.slo_name
    left join groups
        on contracts.slo_name = groups.parent_slo_name
        and contracts.scope_customer = groups.group_value
    left join kinds_listed
        on contracts.contract_name = kinds_listed.contract_name

)

select * from final
