{#- For each contract's open period (its last day in force has no data yet), the error rate of the
    last `projection_trailing_days` days up to the last day with data (`as_of`): the contract's
    own count for event contracts (the exclusion kinds it honours removed), the SLO's slices for
    uptime contracts. fct_sla_exposure projects the period's end from it. -#}

with

contracts as (

    select * from {{ ref('int_contract_terms') }}
    where computed

),

periods as (

    select * from {{ ref('int_contract_periods_aggregated') }}
    where last_day_with_data < cast({{ dbt.dateadd('day', -1, 'end_in_force') }} as date)

),

contract_minutes as (

    select * from {{ ref('int_contract_minutes_honoured') }}

),

slo_days as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

recent_events as (

    select
        periods.contract_name,
        periods.period_start,
        max(contract_minutes.event_date) as as_of,
        sum(case when contract_minutes.is_excluded = 1 then 0 else contract_minutes.good_events end) as trailing_good,
        sum(case when contract_minutes.is_excluded = 1 then 0 else contract_minutes.total_events end) as trailing_total

    from periods
    inner join contract_minutes
        on periods.contract_name = contract_minutes.contract_name
        and contract_minutes.event_date <= cast({{ dbt.dateadd('day', 'periods.days_counted - 1', 'periods.first_day_in_force') }} as date)
        and contract_minutes.event_date > cast({{ dbt.dateadd('day', 'periods.days_counted - 1 - ' ~ var('projection_trailing_days'), 'periods.first_day_in_force') }} as date)
    where periods.budgeting_method = 'Occurrences'
    group by periods.contract_name, periods.period_start

),

recent_slices as (

    select
        periods.contract_name,
        periods.period_start,
        max(slo_days.day) as as_of,
        sum(slo_days.good_events) as trailing_good,
        sum(slo_days.total_events) as trailing_total

    from periods
    inner join contracts
        on periods.contract_name = contracts.contract_name
    inner join slo_days
        on contracts.slo_name = slo_days.slo_name
        and slo_days.day <= cast({{ dbt.dateadd('day', 'periods.days_counted - 1', 'periods.first_day_in_force') }} as date)
        and slo_days.day > cast({{ dbt.dateadd('day', 'periods.days_counted - 1 - ' ~ var('projection_trailing_days'), 'periods.first_day_in_force') }} as date)
    where periods.budgeting_method <> 'Occurrences'
    group by periods.contract_name, periods.period_start

),

final as (

    select * from recent_events
    union all
    select * from recent_slices

)

select * from final
