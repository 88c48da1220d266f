{#- Daily totals per SLO, raw and with every exclusion removed, with the target of the definition
    version in force that day and the error budget that day adds: (1 - target) x adjusted total,
    in exact decimals. Days are the SLO's local days (UTC unless its calendar names a time zone);
    `day_minutes` is that day's length, 1380 or 1500 on a daylight-saving change.
    Occurrences SLOs count events; time-slice SLOs count slices (int_slo_slices_aggregated).
    `expected_minutes` / `gap_minutes` are the service's telemetry coverage that local day. -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes_localized') }}
    where budgeting_method = 'Occurrences'

),

versions as (

    select * from {{ ref('int_slo_versions_grouped') }}

),

coverage as (

    select * from {{ ref('int_service_coverage_daily') }}

),

occurrences as (

    select
        slo_name,
        service,
        day,
        {{ slm_exact_sum('good_events') }} as good_events,
        {{ slm_exact_sum('total_events') }} as total_events,
        {{ slm_exact_sum("case when exclusion_kinds <> '' then total_events else 0 end") }} as excluded_events,
        {{ slm_exact_sum("case when exclusion_kinds <> '' then good_events else 0 end") }} as excluded_good_events,
        cast(sum(records) as {{ dbt.type_bigint() }}) as records

    from minutes
    group by slo_name, service, day

),

daily as (

    select * from occurrences
    union all
    select * from {{ ref('int_slo_slices_aggregated') }}

),

final as (

    select
        daily.slo_name,
        daily.service,
        versions.definition_hash,
        daily.day,
        daily.good_events,
        daily.total_events,
        daily.excluded_events,
        daily.excluded_good_events,
        daily.records,
        versions.time_zone,
        {{ slm_local_day_minutes('daily.day', 'versions.time_zone') }} as day_minutes,
        versions.target,
        {{ slm_count('daily.total_events - daily.excluded_events') }}
        * (1 - {{ slm_percent('versions.target') }}) as allowed_bad,
        coalesce(coverage.expected_minutes, 0) as expected_minutes,
        coalesce(coverage.gap_minutes, 0) as gap_minutes

    from daily
    inner join versions
        on daily.slo_name = versions.slo_name
        and {{ slm_version_in_force('versions', 'daily.day') }}
    left join coverage
        on daily.service = coverage.service
        and versions.time_zone = coverage.time_zone
        and daily.day = coverage.day

)

select * from final
