{#- Records per service, source and UTC day against the median of the same weekday over the
    previous `volume_baseline_days` (7 weeks) (`baseline_records`, once `volume_min_history_weeks` of them are known).
    `volume_ratio` = records / baseline; the data-quality check `telemetry_volume` warns outside
    [0.5, 2]. A day with no records at all after the source first reported is a row with 0. -#}

with

counted as (

    -- the minute grid already counts every record, and holds 0 for silent days
    select service, source, event_date as day, cast(sum(records) as {{ dbt.type_bigint() }}) as records
    from {{ ref('int_source_minutes_classified') }}
    group by service, source, event_date

),

history as (

    select
        counted.day,
        counted.service,
        counted.source,
        counted.records,
        earlier.records as prior_records

    from counted
    left join counted as earlier
        on counted.service = earlier.service
        and counted.source = earlier.source
        and counted.day > earlier.day
        and earlier.day >= cast({{ dbt.dateadd('day', -var('volume_baseline_days'), 'counted.day') }} as date)
        and mod({{ dbt.datediff('earlier.day', 'counted.day', 'day') }}, 7) = 0

),

final as (

    select
        {{ slm_key(['service', 'source', 'day']) }} as volume_id,
        service,
        source,
        day,
        max(records) as records,
        count(prior_records) as baseline_weeks,
        case
            when count(prior_records) >= {{ var('volume_min_history_weeks') }}
                then {{ slm_median('prior_records') }}
        end as baseline_records

    from history
    group by service, source, day

)

select
    *,
    cast(records as {{ slm_double() }}) / nullif(baseline_records, 0) as volume_ratio
from final
