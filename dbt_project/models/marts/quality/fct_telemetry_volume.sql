{#- Records per service, source and UTC day against the median of the same weekday over the
    previous 7 weeks (`baseline_records`, once `volume_min_history_weeks` of them are known).
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
        counted.day as day,
        counted.service,
        counted.source,
        counted.records,
        prior.records as prior_records

    from counted
    left join counted as prior
        on counted.service = prior.service
        and counted.source = prior.source
        and prior.day < counted.day
        and prior.day >= cast({{ dbt.dateadd('day', -49, 'counted.day') }} as date)
        and mod({{ dbt.datediff('prior.day', 'counted.day', 'day') }}, 7) = 0

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
