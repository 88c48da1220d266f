{#- The service-credit rules, in one place for what a period earned (fct_sla_compliance) and what
    an open period is heading for (fct_sla_exposure). -#}

{#- The tier each contract period falls in: attainment strictly below a tier's `below_pct`
    qualifies, the lowest qualifying bound wins; compared in exact decimals (good x 100 against
    below_pct x total), so exactly 99.0 % is not below 99.0 %. A query over `rows` (one per
    contract_name, period_start) giving tier_below_pct. -#}
{% macro slm_tier_hit(rows, tiers, good, total) -%}
    select
        {{ rows }}.contract_name,
        {{ rows }}.period_start,
        min({{ tiers }}.below_pct) as tier_below_pct

    from {{ rows }}
    inner join {{ tiers }}
        on {{ rows }}.contract_name = {{ tiers }}.contract_name
    where {{ good }} * 100
        < {{ slm_percent(tiers ~ '.below_pct') }} * {{ total }}
    group by {{ rows }}.contract_name, {{ rows }}.period_start
{%- endmacro %}

{#- The credit % of the tier hit (0 without one), capped at the contract's cap. -#}
{% macro slm_capped_credit_pct(tier_below_pct, tier_credit_pct, cap_pct) -%}
    case
        when {{ tier_below_pct }} is null then {{ slm_percent(0) }}
        when {{ tier_credit_pct }} > {{ cap_pct }} then {{ slm_percent(cap_pct) }}
        else {{ slm_percent(tier_credit_pct) }}
    end
{%- endmacro %}

{#- credit % of the fee, rounded half up to cents (exact decimals, multiplied at precision 38: a
    fee near the catalog's limit times a percentage overflows 18 digits). -#}
{% macro slm_credit_amount(fee, credit_pct) -%}
    {{ slm_money('round(cast(' ~ fee ~ ' as decimal(38, 2)) * ' ~ credit_pct ~ ' * ' ~ slm_percent('0.01') ~ ', 2)') }}
{%- endmacro %}

{#- A credit below the contract's minimum is not issued. -#}
{% macro slm_issued_credit(amount, minimum) -%}
    case when {{ amount }} < {{ minimum }} then {{ slm_money(0) }} else {{ amount }} end
{%- endmacro %}
