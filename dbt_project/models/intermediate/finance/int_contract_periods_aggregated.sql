{#- Each contract period's counts under the contract's own exclusions, and the days it covers.
    Occurrences: good and total events, and the events an honoured exclusion removed.
    RatioTimeslices (uptime): slices are cut from each UTC midnight; good_events is the summed
    success ratio of the counted slices that had requests, total_events those slices, and
    excluded_events the slices an honoured exclusion removed (a slice with one such request).
    Days: in force (a contract may start or end inside a period), and counted (in force, and in
    an open period up to the last day with data). -#}

with

contracts as (

    select * from {{ ref('int_contract_terms') }}
    where computed

),

contract_minutes as (

    select * from {{ ref('int_contract_minutes_honoured') }}

),

occurrence_periods as (

    select
        contract_name,
        service,
        period_start,
        max(event_date) as last_day_with_data,
        {{ slm_exact_sum('good_events * (1 - is_excluded)') }} as good_events,
        {{ slm_exact_sum('total_events * (1 - is_excluded)') }} as total_events,
        {{ slm_exact_sum('total_events * is_excluded') }} as excluded_events

    from contract_minutes
    where budgeting_method = 'Occurrences'
    group by contract_name, service, period_start

),

contract_slices as (

    select
        contract_name,
        service,
        period_start,
        event_date,
        slice_index,
        {{ slm_exact_sum('good_events') }} as good_events,
        {{ slm_exact_sum('total_events') }} as total_events,
        max(is_excluded) as is_excluded

    from contract_minutes
    where budgeting_method = 'RatioTimeslices'
    group by contract_name, service, period_start, event_date, slice_index

),

slice_periods as (

    select
        contract_name,
        service,
        period_start,
        max(event_date) as last_day_with_data,
        {{ slm_exact_sum('case when is_excluded = 0 then good_events / total_events else 0 end') }} as good_events,
        sum(case when is_excluded = 0 then 1 else 0 end) as total_events,
        sum(is_excluded) as excluded_events

    from contract_slices
    group by contract_name, service, period_start

),

periods as (

    select * from occurrence_periods
    union all
    select * from slice_periods

),

ended as (

    select
        periods.*,
        contracts.budgeting_method,
        contracts.time_slice_minutes,
        cast(
            case
                when contracts.period = 'quarter' then {{ dbt.dateadd('month', 3, 'periods.period_start') }}
                else {{ dbt.dateadd('month', 1, 'periods.period_start') }}
            end as date
        ) as period_end,
        contracts.start_date,
        contracts.end_date

    from periods
    inner join contracts
        on periods.contract_name = contracts.contract_name

),

in_force as (

    select
        *,
        case when start_date > period_start then start_date else period_start end as first_day_in_force,
        case when end_date < period_end then end_date else period_end end as end_in_force,
        cast({{ dbt.dateadd('day', 1, 'last_day_with_data') }} as date) as end_of_data

    from ended

),

final as (

    select
        in_force.*,
        {{ slm_int(dbt.datediff('period_start', 'period_end', 'day')) }} as days_in_period,
        {{ slm_int(dbt.datediff('first_day_in_force', 'end_in_force', 'day')) }} as days_in_force,
        {{ slm_int(dbt.datediff('first_day_in_force', 'case when end_of_data < end_in_force then end_of_data else end_in_force end', 'day')) }} as days_counted

    from in_force

)

select * from final
