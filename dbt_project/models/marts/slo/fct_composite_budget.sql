{#- A composite SLO's error budget per day (OpenSLO v1: an SLO whose objectives bring their own
    indicator and `compositeWeight`, default 1). Each objective is computed as an SLO of its own
    (`<slo>.<objective>` in fct_error_budget); the composite burns its budget at the weighted sum of
    their burn ("weight multiplies the rate of burning"):
      budget_consumed = sum over objectives of weight * budget_consumed,
      budget_remaining = 1 - budget_consumed, status as in fct_error_budget.
    good_events and total_events are the objectives' sums, for reference only: objectives count
    different events (slices for RatioTimeslices), so the composite's verdict is its budget. A day
    is listed when every objective has a budget that day. A Timeslices composite (a slice bad for
    any objective is bad for the composite) is not computed here: the catalog notes it. -#}

with

objectives as (

    select
        slo_name,
        slo_document,
        composite_weight

    from {{ ref('stg_catalog__slos') }}
    where composite_weight is not null and computed and budgeting_method != 'Timeslices'

),

composites as (

    select
        slo_document,
        count(*) as objectives

    from objectives
    group by slo_document

),

budgets as (

    select * from {{ ref('fct_error_budget') }}

),

summed as (

    select
        objectives.slo_document,
        budgets.as_of,
        count(*) as objectives_with_budget,
        sum(objectives.composite_weight * budgets.budget_consumed) as budget_consumed,
        {{ slm_exact_sum('budgets.good_events') }} as good_events,
        {{ slm_exact_sum('budgets.total_events') }} as total_events

    from budgets
    inner join objectives
        on budgets.slo_name = objectives.slo_name
    group by objectives.slo_document, budgets.as_of

),

final as (

    select
        {{ slm_key(['summed.slo_document', 'summed.as_of']) }} as composite_budget_id,
        summed.slo_document,
        summed.as_of,
        composites.objectives,
        summed.good_events,
        summed.total_events,
        summed.budget_consumed,
        1 - summed.budget_consumed as budget_remaining,
        case
            when 1 - summed.budget_consumed <= 0 then 'exhausted'
            when 1 - summed.budget_consumed < {{ var('budget_at_risk_remaining') }} then 'at_risk'
            else 'healthy'
        end as status

    from summed
    inner join composites
        on summed.slo_document = composites.slo_document
    where summed.objectives_with_budget = composites.objectives

)

select * from final
