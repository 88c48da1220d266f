{#- Daily totals per SLO, raw and with every exclusion removed, with the target of the definition
    version in force that day and the error budget that day adds: (1 - target) x adjusted total,
    in exact decimals. -#}

with

minutes as (

    select * from {{ ref('int_slo_minutes') }}

),

versions as (

    select * from {{ ref('stg_catalog__slo_versions') }}

),

daily as (

    select
        slo_name,
        service,
        definition_hash,
        event_date as day,
        sum(good_events) as good_events,
        sum(total_events) as total_events,
        sum(case when exclusion_kinds <> '' then total_events else 0 end) as excluded_events,
        sum(case when exclusion_kinds <> '' then good_events else 0 end) as excluded_good_events,
        sum(records) as records

    from minutes
    group by slo_name, service, definition_hash, event_date

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
        and (versions.valid_from is null or daily.day >= versions.valid_from)
        and (versions.valid_to is null or daily.day < versions.valid_to)

)

select * from final
