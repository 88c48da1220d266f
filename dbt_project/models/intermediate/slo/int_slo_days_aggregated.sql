{#- Daily totals per SLO, raw and with every exclusion removed, with the target of the definition
    version in force that day and the error budget that day adds: (1 - target) x adjusted total,
    in exact decimals. Occurrences SLOs count events; time-slice SLOs count slices
    (int_slo_slices_aggregated). -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes') }}

),

versions as (

    select * from {{ ref('stg_catalog__slo_versions') }}

),

occurrences as (

    select
        minutes.slo_name,
        minutes.service,
        minutes.definition_hash,
        minutes.event_date as day,
        sum(minutes.good_events) as good_events,
        sum(minutes.total_events) as total_events,
        sum(case when minutes.exclusion_kinds <> '' then minutes.total_events else 0 end) as excluded_events,
        sum(case when minutes.exclusion_kinds <> '' then minutes.good_events else 0 end) as excluded_good_events,
        sum(minutes.records) as records

    from minutes
    inner join versions
        on minutes.slo_name = versions.slo_name
        and minutes.definition_hash = versions.definition_hash
        and {{ slm_version_in_force('versions', 'minutes.event_date') }}
    where versions.budgeting_method = 'Occurrences'
    group by minutes.slo_name, minutes.service, minutes.definition_hash, minutes.event_date

),

daily as (

    select * from occurrences
    union all
    select * from {{ ref('int_slo_slices_aggregated') }}

),

final as (

    select
        daily.*,
        versions.target,
        {{ slm_count('daily.total_events - daily.excluded_events') }}
            * (1 - {{ slm_percent('versions.target') }}) as allowed_bad

    from daily
    inner join versions
        on daily.slo_name = versions.slo_name
        and daily.definition_hash = versions.definition_hash
        and {{ slm_version_in_force('versions', 'daily.day') }}

)

select * from final
