{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- The bad events (total - good) of each Occurrences SLO outside exclusions, per UTC partition
    day and local day, as an exact decimal sum of the minute base's rows: fct_budget_attribution
    takes the minutes a cause covers away from it and leaves the rest unattributed, so it reads
    the whole history's minutes only where a cause is. Incremental by UTC day like the minutes it
    sums (int_slo_minutes): a run replaces exactly its days; the first build sums every day.
    Summing the whole history in the mart was 6.7 s of one new day on 90 days (issue 15). -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes_localized') }}
    where
        budgeting_method = 'Occurrences'
        and exclusion_kinds = ''
        and {{ slm_window_filter('event_date') if is_incremental() else '1 = 1' }}

),

final as (

    select
        slo_name,
        service,
        definition_hash,
        event_date,
        day,
        sum({{ slm_exact('total_events - good_events') }}) as bad_events

    from minutes
    group by slo_name, service, definition_hash, event_date, day

)

select * from final
