{#- Credit exposure of each contract's open period (one whose last day has no data yet): what the
    credit would be if the period ended today, and the attainment and credit projected for its
    end when the remaining days run at the trailing error rate.
    - trailing_error_rate: 1 - good / total over the last `projection_trailing_days` days up to
      as_of: the contract's own count for event contracts (the exclusion kinds it honours
      removed), the SLO's slices for uptime contracts;
    - the remaining days carry the period's mean daily volume so far (events, or slices for an
      uptime contract): projected_total = counted_total x days_in_force / days_counted;
    - projected_good = counted_good + (projected_total - counted_total) x (1 - trailing_error_rate).
    The projected tier, credit %, cap, pro-rated fee, rounding and minimum credit follow
    fct_sla_compliance's rules. -#}

with

compliance as (

    select * from {{ ref('fct_sla_compliance') }}
    where not period_complete

),

contracts as (

    select * from {{ ref('stg_catalog__contracts') }}

),

tiers as (

    select * from {{ ref('stg_catalog__credit_tiers') }}

),

recent as (

    select * from {{ ref('int_contract_trailing_rates') }}

),

open_periods as (

    select
        compliance.*,
        contracts.slo_name,
        contracts.credit_cap_pct,
        {{ slm_money('contracts.minimum_credit') }} as minimum_credit

    from compliance
    inner join contracts
        on compliance.contract_name = contracts.contract_name

),

projected as (

    select
        open_periods.*,
        recent.as_of,
        open_periods.days_in_force - open_periods.days_counted as days_remaining,
        case
            when recent.trailing_total > 0
                then 1 - recent.trailing_good / recent.trailing_total
            else 0
        end as trailing_error_rate,
        {{ slm_count('open_periods.counted_total_events * open_periods.days_in_force / open_periods.days_counted') }} as projected_total_events

    from open_periods
    left join recent
        on open_periods.contract_name = recent.contract_name
        and open_periods.period_start = recent.period_start

),

attained as (

    select
        *,
        counted_good_events
        + {{ slm_count('(projected_total_events - counted_total_events) * (1 - trailing_error_rate)') }}
            as projected_good_events

    from projected

),

tier_hit as (

    {{ slm_tier_hit('attained', 'tiers', 'attained.projected_good_events', 'attained.projected_total_events') }}

),

credited as (

    select
        attained.*,
        tier_hit.tier_below_pct as projected_tier_below_pct,
        {{ slm_capped_credit_pct('tier_hit.tier_below_pct', 'tiers.credit_pct', 'attained.credit_cap_pct') }} as projected_credit_pct

    from attained
    left join tier_hit
        on attained.contract_name = tier_hit.contract_name
        and attained.period_start = tier_hit.period_start
    left join tiers
        on tier_hit.contract_name = tiers.contract_name
        and tier_hit.tier_below_pct = tiers.below_pct

),

amounts as (

    select
        *,
        {{ slm_credit_amount('fee_in_force', 'projected_credit_pct') }} as projected_before_minimum

    from credited

),

final as (

    select
        {{ slm_key(['contract_name', 'period_start']) }} as exposure_id,
        contract_name,
        customer,
        period_start,
        period_end,
        as_of,
        days_counted,
        days_remaining,
        unit,
        counted_good_events,
        counted_total_events,
        attained_pct as attained_pct_to_date,
        credit_pct as credit_pct_to_date,
        credit_amount as credit_amount_to_date,
        trailing_error_rate,
        projected_good_events,
        projected_total_events,
        cast(100 as {{ slm_double() }}) * projected_good_events / nullif(projected_total_events, 0)
            as projected_attained_pct,
        projected_tier_below_pct,
        projected_credit_pct,
        {{ slm_issued_credit('projected_before_minimum', 'minimum_credit') }} as projected_credit_amount,
        fee_in_force,
        currency

    from amounts

)

select * from final
