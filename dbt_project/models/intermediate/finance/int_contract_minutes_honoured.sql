{#- The minute grain of each computed contract's SLO on the days the contract is in force, with
    the contract's exclusion rule applied once for every model that counts for it: a minute whose
    events fall in an exclusion window of a kind the contract honours is excluded (`is_excluded`
    1). The minute grain lists the kinds of the windows its events fall in; the kinds a contract
    honours are rows of stg_catalog__contract_exclusion_kinds, matched as whole list items. -#}

with

contracts as (

    select * from {{ ref('int_contract_terms') }}
    where computed

),

honoured_kinds as (

    select * from {{ ref('stg_catalog__contract_exclusion_kinds') }}

),

slos as (

    select * from {{ ref('int_slos_grouped') }}

),

minutes as (

    select * from {{ ref('int_slo_minutes') }}

),

-- the few distinct kind lists the minute grain carries, and which contracts honour each
kind_lists as (

    select distinct exclusion_kinds
    from minutes
    where exclusion_kinds <> ''

),

honoured_lists as (

    select distinct
        honoured_kinds.contract_name,
        kind_lists.exclusion_kinds

    from kind_lists
    inner join honoured_kinds
        on {{ slm_list_contains('kind_lists.exclusion_kinds', 'honoured_kinds.kind') }}

),

final as (

    select
        contracts.contract_name,
        slos.service,
        cast(
            case
                when contracts.period = 'quarter' then {{ dbt.date_trunc('quarter', 'minutes.event_date') }}
                else {{ dbt.date_trunc('month', 'minutes.event_date') }}
            end as date
        ) as period_start,
        minutes.event_date,
        minutes.minute_ts,
        contracts.budgeting_method,
        floor(
            {{ dbt.datediff("cast(minutes.event_date as " ~ dbt.type_timestamp() ~ ")", 'minutes.minute_ts', 'minute') }}
            / contracts.time_slice_minutes
        ) as slice_index,
        contracts.time_slice_minutes,
        minutes.good_events,
        minutes.total_events,
        case when honoured_lists.contract_name is null then 0 else 1 end as is_excluded

    from contracts
    inner join slos
        on contracts.slo_name = slos.slo_name
    inner join minutes
        on contracts.slo_name = minutes.slo_name
    left join honoured_lists
        on contracts.contract_name = honoured_lists.contract_name
        and minutes.exclusion_kinds = honoured_lists.exclusion_kinds
    where
        (contracts.start_date is null or minutes.event_date >= contracts.start_date)
        and (contracts.end_date is null or minutes.event_date < contracts.end_date)

)

select * from final
