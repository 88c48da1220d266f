{#- Daily totals of the time-slice SLOs (budgetingMethod Timeslices / RatioTimeslices), counted in
    slices of `time_slice_minutes` so that they flow through the same budget arithmetic as events:
    - Timeslices: a slice is good when its good / total ratio reaches `time_slice_target`;
      good_events = good slices, total_events = slices.
    - RatioTimeslices: good_events = the sum of the slices' ratios, total_events = slices, so the
      SLI is the mean slice ratio.
    - Throughput (a thresholdMetric with `measure: count`, Timeslices): a slice is good when its
      weighted event count meets the objective's op/value (`slice_count_op`, `slice_count_value`),
      so an empty slice is good only when 0 meets it.
    Every slice of a day with telemetry counts. A ratio slice without events counts as good (ratio 1),
    as object-storage SLAs count an empty 5-minute interval as 0 % errors. A slice with an event
    inside an Exclusion window is an excluded slice: it leaves the adjusted figures. Slices are
    counted from the start of the SLO's local day, so a 23-hour day has 276 five-minute slices. -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes_localized') }}
    where budgeting_method <> 'Occurrences'

),

slices as (

    select
        slo_name,
        service,
        day,
        budgeting_method,
        time_slice_minutes,
        time_slice_target,
        slice_count_op,
        slice_count_value,
        time_zone,
        floor(
            {{ dbt.datediff("cast(day as " ~ dbt.type_timestamp() ~ ")", 'local_minute_ts', 'minute') }}
            / time_slice_minutes
        ) as slice_index,
        {{ slm_exact_sum('good_events') }} as good_events,
        {{ slm_exact_sum('total_events') }} as total_events,
        max(case when exclusion_kinds <> '' then 1 else 0 end) as is_excluded,
        cast(sum(records) as {{ dbt.type_bigint() }}) as records

    from minutes
    group by
        slo_name, service, day, budgeting_method, time_slice_minutes, time_slice_target,
        slice_count_op, slice_count_value, time_zone,
        floor(
            {{ dbt.datediff("cast(day as " ~ dbt.type_timestamp() ~ ")", 'local_minute_ts', 'minute') }}
            / time_slice_minutes
        )

),

scored as (

    select
        *,
        case
            when slice_count_op is not null
                then cast({{ slm_count_meets('total_events', 'slice_count_op', 'slice_count_value') }} as {{ slm_double() }})
            when total_events = 0 then cast(1 as {{ slm_double() }})
            when budgeting_method = 'RatioTimeslices' then good_events / total_events
            when good_events / total_events >= time_slice_target then cast(1 as {{ slm_double() }})
            else cast(0 as {{ slm_double() }})
        end as slice_good

    from slices

),

per_day as (

    select
        slo_name,
        service,
        day,
        max(time_slice_minutes) as time_slice_minutes,
        max(time_zone) as time_zone,
        max({{ slm_count_meets('0', 'slice_count_op', 'slice_count_value', empty=1) }}) as empty_slice_good,
        count(*) as slices_with_events,
        {{ slm_exact_sum('slice_good') }} as good_slices_with_events,
        sum(is_excluded) as excluded_slices,
        {{ slm_exact_sum('slice_good * is_excluded') }} as excluded_good_slices,
        cast(sum(records) as {{ dbt.type_bigint() }}) as records

    from scored
    group by slo_name, service, day

),

final as (

    select
        slo_name,
        service,
        day,
        -- slices without events: good for ratios; for throughput when a count of 0 meets the objective
        cast(good_slices_with_events + (slices_in_day - slices_with_events) * empty_slice_good as {{ slm_double() }}) as good_events,
        cast(slices_in_day as {{ slm_double() }}) as total_events,
        cast(excluded_slices as {{ slm_double() }}) as excluded_events,
        cast(excluded_good_slices as {{ slm_double() }}) as excluded_good_events,
        records

    from (
        select
            *,
            {{ slm_local_day_minutes('day', 'time_zone') }} / time_slice_minutes as slices_in_day
        from per_day
    ) as sized

)

select * from final
