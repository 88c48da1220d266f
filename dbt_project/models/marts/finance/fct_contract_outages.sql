{#- The outage windows that cost each contract budget: runs of consecutive minutes in which its
    SLO's counted events failed (minutes inside an exclusion the contract honours do not count),
    per contract and period, with the bad and total events of the run. Events-based contracts
    only (an uptime contract's bad slices are in fct_sla_compliance). A contract statement lists
    them, from the audit snapshot that freezes them. -#}

with

minutes as (

    select * from {{ ref('int_contract_minutes_honoured') }}
    where budgeting_method = 'Occurrences' and is_excluded = 0

),

bad_minutes as (

    select
        contract_name,
        period_start,
        minute_ts,
        sum(total_events - good_events) as bad_events,
        sum(total_events) as total_events
    from minutes
    group by contract_name, period_start, minute_ts
    having sum(total_events - good_events) > 0

),

-- consecutive minutes share minute number - rank: one island per run
islands as (

    select
        *,
        {{ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') }}
        - row_number() over (partition by contract_name, period_start order by minute_ts) as island
    from bad_minutes

),

final as (

    select
        {{ slm_key(['contract_name', 'min(minute_ts)']) }} as outage_id,
        contract_name,
        period_start,
        min(minute_ts) as outage_start,
        {{ dbt.dateadd('minute', 1, 'max(minute_ts)') }} as outage_end,
        count(*) as minutes,
        sum(bad_events) as bad_events,
        sum(total_events) as total_events
    from islands
    group by contract_name, period_start, island

)

select * from final
