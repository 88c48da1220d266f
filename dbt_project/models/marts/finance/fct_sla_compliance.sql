{#- SLA attainment and service credit per contract and period (calendar month or quarter, UTC).
    Attainment uses the contract's SLO with only the exclusion kinds the contract honours removed.
    Credit tiers: attainment below `below_pct` earns `credit_pct`; when several match, the lowest
    `below_pct` wins; a tier's bound is exclusive for the credit (exactly 99.0 % is not below
    99.0 %), compared in exact decimals. The credit is capped at credit_cap_pct, rounded half-up
    to cents, and not issued below minimum_credit. target_pct is the SLO target in force on the
    period's last day with data.
    The counts come from int_contract_periods_counted (exclusions honoured, missing-data policy
    applied; uptime contracts on RatioTimeslices SLOs count slices, `unit` = 'slices', an empty
    slice at 0 % errors, as object-storage SLAs define it).
    Partial periods: a contract that starts or ends inside a period is charged, and credited, pro
    rata: fee_in_force = fee x days_in_force / days_in_period, in exact integer cents rounded half
    up, and the credit is credit_pct of fee_in_force. Attainment counts only the days in force. -#}

with

contracts as (

    select * from {{ ref('int_contract_terms') }}

),

tiers as (

    select * from {{ ref('stg_catalog__credit_tiers') }}

),

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

attained as (

    select * from {{ ref('int_contract_periods_counted') }}

),

tier_hit as (

    {{ slm_tier_hit('attained', 'tiers', 'attained.counted_good_events', 'attained.counted_total_events') }}

),

credited as (

    select
        attained.*,
        contracts.customer,
        contracts.currency,
        contracts.exclusion_kinds,
        {{ slm_money('contracts.fee_amount') }} as fee_amount,
        {{ slm_money('contracts.minimum_credit') }} as minimum_credit,
        slo_in_force.target * 100 as target_pct,
        tier_hit.tier_below_pct,
        {{ slm_capped_credit_pct('tier_hit.tier_below_pct', 'tiers.credit_pct', 'contracts.credit_cap_pct') }} as credit_pct

    from attained
    inner join contracts
        on attained.contract_name = contracts.contract_name
    inner join daily as slo_in_force
        on contracts.slo_name = slo_in_force.slo_name
        and attained.last_day_with_data = slo_in_force.day
    left join tier_hit
        on attained.contract_name = tier_hit.contract_name
        and attained.period_start = tier_hit.period_start
    left join tiers
        on tier_hit.contract_name = tiers.contract_name
        and tier_hit.tier_below_pct = tiers.below_pct

),

prorated as (

    -- the fee for the days in force, in whole cents rounded half up (integer arithmetic: exact)
    select
        *,
        {{ slm_money('cast(' ~ slm_int_div('cast(fee_amount * 100 as ' ~ dbt.type_bigint() ~ ') * days_in_force * 2 + days_in_period', '2 * days_in_period') ~ ' as decimal(18, 0)) * 0.01') }} as fee_in_force

    from credited

),

amounts as (

    select
        *,
        {{ slm_credit_amount('fee_in_force', 'credit_pct') }} as credit_before_minimum

    from prorated

),

final as (

    select
        {{ slm_key(['amounts.contract_name', 'amounts.period_start']) }} as compliance_id,
        amounts.contract_name,
        amounts.customer,
        amounts.period_start,
        amounts.period_end,
        case when amounts.budgeting_method = 'Occurrences' then 'events' else 'slices' end as unit,
        amounts.days_in_period,
        amounts.days_in_force,
        amounts.days_counted,
        amounts.first_day_in_force,
        -- complete once data reaches the last day in force (a contract may end inside the period)
        amounts.last_day_with_data >= cast({{ dbt.dateadd('day', -1, 'amounts.end_in_force') }} as date) as period_complete,
        amounts.good_events,
        amounts.total_events,
        amounts.excluded_events,
        amounts.imputed_events,
        amounts.counted_good_events,
        amounts.counted_total_events,
        cast(100 as {{ slm_double() }}) * amounts.counted_good_events / nullif(amounts.counted_total_events, 0)
            as attained_pct,
        amounts.target_pct,
        amounts.counted_good_events * 100 < amounts.target_pct * amounts.counted_total_events as breached,
        amounts.tier_below_pct,
        amounts.credit_pct,
        {{ slm_issued_credit('amounts.credit_before_minimum', 'amounts.minimum_credit') }} as credit_amount,
        amounts.fee_amount,
        amounts.fee_in_force,
        amounts.credit_before_minimum < amounts.minimum_credit and amounts.credit_before_minimum > 0 as below_minimum_credit,
        amounts.currency,
        amounts.exclusion_kinds as exclusions_honoured,
        amounts.missing_data,
        amounts.gap_minutes,
        {{ slm_coverage('amounts.expected_minutes', 'amounts.gap_minutes') }} as coverage

    from amounts

)

select * from final
