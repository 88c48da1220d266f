{#- Daily totals of the time-slice SLOs (budgetingMethod Timeslices / RatioTimeslices), counted in
    slices of `time_slice_minutes` so that they flow through the same budget arithmetic as events:
    - Timeslices: a slice is good when its good / total ratio reaches `time_slice_target`;
      good_events = good slices, total_events = slices.
    - RatioTimeslices: good_events = the sum of the slices' ratios, total_events = slices, so the
      SLI is the mean slice ratio.
    Every slice of a day with telemetry counts. A slice without events counts as good (ratio 1),
    as object-storage SLAs count an empty 5-minute interval as 0 % errors. A slice with an event
    inside an Exclusion window is an excluded slice: it leaves the adjusted figures. -#}

with

versions as (

    select * from {{ ref('stg_catalog__slo_versions') }}
    where computed and budgeting_method <> 'Occurrences'

),

minutes as (

    select
        minutes.*,
        versions.budgeting_method,
        versions.time_slice_minutes,
        versions.time_slice_target

    from {{ ref('int_slo_minutes') }} as minutes
    inner join versions
        on minutes.slo_name = versions.slo_name
        and minutes.definition_hash = versions.definition_hash
        and {{ slm_version_in_force('versions', 'minutes.event_date') }}

),

slices as (

    select
        slo_name,
        service,
        definition_hash,
        event_date,
        budgeting_method,
        time_slice_minutes,
        time_slice_target,
        floor({{ dbt.datediff("cast(event_date as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') }}
              / time_slice_minutes) as slice_index,
        sum(good_events) as good_events,
        sum(total_events) as total_events,
        max(case when exclusion_kinds <> '' then 1 else 0 end) as is_excluded,
        sum(records) as records

    from minutes
    group by slo_name, service, definition_hash, event_date, budgeting_method, time_slice_minutes,
        time_slice_target, floor({{ dbt.datediff("cast(event_date as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') }}
              / time_slice_minutes)

),

scored as (

    select
        *,
        case
            when total_events = 0 then cast(1 as {{ slm_double() }})
            when budgeting_method = 'RatioTimeslices' then good_events / total_events
            when good_events / total_events >= time_slice_target then cast(1 as {{ slm_double() }})
            else cast(0 as {{ slm_double() }})
        end as slice_good

    from slices

),

final as (

    select
        slo_name,
        service,
        definition_hash,
        event_date as day,
        -- slices without events are good: (slices in a day - slices with events) * 1
        cast(sum(slice_good) + (1440 / max(time_slice_minutes) - count(*)) as {{ slm_double() }}) as good_events,
        cast(1440 / max(time_slice_minutes) as {{ slm_double() }}) as total_events,
        cast(sum(is_excluded) as {{ slm_double() }}) as excluded_events,
        cast(sum(slice_good * is_excluded) as {{ slm_double() }}) as excluded_good_events,
        sum(records) as records

    from scored
    group by slo_name, service, definition_hash, event_date

)

select * from final
