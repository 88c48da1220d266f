{#- Telemetry gaps: runs of consecutive minutes in which a source of a service sent nothing
    although telemetry was expected (see int_source_minutes_classified for "expected").
    `expected_records` is what the run should have held; `expected_by` says why: `pattern` (the
    source's own recent hours), `mirror` (another source saw the traffic) or both. -#}

with

gap_minutes as (

    select * from {{ ref('int_source_minutes_classified') }}
    where is_gap

),

islands as (

    select
        *,
        {{ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') }}
        - row_number() over (partition by service, source order by minute_ts) as island

    from gap_minutes

),

final as (

    select
        {{ slm_key(['service', 'source', 'min(minute_ts)']) }} as gap_id,
        service,
        source,
        min(minute_ts) as gap_start,
        {{ dbt.dateadd('minute', 1, 'max(minute_ts)') }} as gap_end,
        count(*) as gap_minutes,
        round(sum(expected_records), 3) as expected_records,
        case
            when min(expected_by) = max(expected_by) then min(expected_by)
            else 'pattern+mirror'
        end as expected_by

    from islands
    group by service, source, island

)

select * from final
