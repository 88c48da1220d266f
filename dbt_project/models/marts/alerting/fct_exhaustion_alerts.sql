{#- Exhaustion alerts (an slm/v1 AlertCondition `{kind: exhaustion, horizon: Nd}`), evaluated on
    every day of fct_error_budget: firing when the budget is exhausted, or when its projected
    exhaustion (fct_error_budget's projection from the trailing burn) falls within the horizon,
    i.e. projected_exhaustion <= as_of + horizon_days. A burn-rate alert says the budget is
    burning fast now; this one says when, at the present pace, nothing will be left. -#}

with

budgets as (

    select * from {{ ref('fct_error_budget') }}

),

slos as (

    select distinct
        slo_name,
        slo_document
    from {{ ref('int_slos_grouped') }}
    where computed

),

conditions as (

    select * from {{ ref('stg_catalog__alert_conditions') }}
    where condition_kind = 'exhaustion'

),

evaluated as (

    select
        budgets.slo_name,
        conditions.alert_policy,
        conditions.condition_name,
        coalesce(nullif(conditions.severity, ''), 'page') as severity,
        budgets.as_of,
        conditions.horizon_days,
        budgets.status,
        budgets.budget_remaining,
        budgets.projected_exhaustion,
        {{ slm_int(dbt.datediff('budgets.as_of', 'budgets.projected_exhaustion', 'day')) }} as days_to_exhaustion,
        cast({{ dbt.dateadd('day', 'conditions.horizon_days', 'budgets.as_of') }} as date) as horizon_end

    from budgets
    inner join slos
        on budgets.slo_name = slos.slo_name
    inner join conditions
        on slos.slo_document = conditions.slo_document

),

final as (

    select
        {{ slm_key(['slo_name', 'alert_policy', 'condition_name', 'as_of']) }} as exhaustion_alert_id,
        slo_name,
        alert_policy,
        condition_name,
        severity,
        as_of,
        horizon_days,
        status,
        budget_remaining,
        projected_exhaustion,
        days_to_exhaustion,
        coalesce(status = 'exhausted' or projected_exhaustion <= horizon_end, false) as firing

    from evaluated

)

select * from final
