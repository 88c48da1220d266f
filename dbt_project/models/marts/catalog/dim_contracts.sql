{#- One row per contract: its terms as the catalog states them, with the exclusion kinds it
    honours listed (comma-separated, alphabetical). direction: outbound (we owe our customer) or
    inbound (a vendor owes us, with the terms a claim must meet). A contract scoped to a customer
    names it in `scope_customer`; `measured_slo_name` is the SLO group its figures come from. -#}

with

contracts as (

    select * from {{ ref('int_contract_terms') }}

),

final as (

    select
        contract_name,
        customer,
        catalog_slo_name as slo_name,
        -- scoped to one customer (issue 20): computed on that customer's group of the SLO
        scope_customer,
        slo_name as measured_slo_name,
        period,
        time_zone,
        start_date,
        end_date,
        fee_amount,
        currency,
        credit_cap_pct,
        minimum_credit,
        exclusion_kinds,
        missing_data,
        computed,
        not_computed_reason,
        definition_hash,
        direction,
        vendor,
        claim_window_months,
        claim_window_days,
        claim_evidence

    from contracts

)

select * from final
