{#- What each contract period counts towards attainment once its missing-data policy is applied.
    Events: gap minutes are assumed to have carried the period's observed events per covered
    minute (imputed_events = total_events x gap_minutes / (expected_minutes - gap_minutes)),
    counted as good (`good`), as bad (`bad`), or not at all (`excluded`).
    Slices: every slice of the counted days counts, an empty one as 0 % errors; gap minutes, as
    slices (gap_minutes / slice length), stay good (they are empty already), turn bad, or leave
    the count. Attainment is counted_good_events / counted_total_events. -#}

with

contracts as (

    select * from {{ ref('int_contract_terms') }}
    where computed

),

periods as (

    select * from {{ ref('int_contract_periods_aggregated') }}

),

service_coverage as (

    select * from {{ ref('int_service_coverage_daily') }}

),

coverage as (

    select
        periods.contract_name,
        periods.period_start,
        {{ slm_int("sum(service_coverage.expected_minutes)") }} as expected_minutes,
        {{ slm_int("sum(service_coverage.gap_minutes)") }} as gap_minutes

    from periods
    inner join contracts
        on periods.contract_name = contracts.contract_name
    inner join service_coverage
        on periods.service = service_coverage.service
        and contracts.time_zone = service_coverage.time_zone
        and periods.period_start <= service_coverage.day
        and periods.period_end > service_coverage.day
        and (contracts.start_date is null or contracts.start_date <= service_coverage.day)
        and (contracts.end_date is null or contracts.end_date > service_coverage.day)
    group by periods.contract_name, periods.period_start

),

counted as (

    select
        periods.*,
        coalesce(coverage.expected_minutes, 0) as expected_minutes,
        coalesce(coverage.gap_minutes, 0) as gap_minutes,
        contracts.missing_data,
        case
            when
                periods.budgeting_method = 'Occurrences' and contracts.missing_data in ('good', 'bad')
                and coverage.gap_minutes > 0 and coverage.expected_minutes > coverage.gap_minutes
                then {{ slm_count('periods.total_events * coverage.gap_minutes / (coverage.expected_minutes - coverage.gap_minutes)') }}
            else {{ slm_count(0) }}
        end as imputed_events,
        {{ slm_count('periods.days_counted * 1440 / periods.time_slice_minutes - periods.excluded_events') }} as slices_counted,
        {{ slm_count('coalesce(coverage.gap_minutes, 0) / periods.time_slice_minutes') }} as gap_slices

    from periods
    inner join contracts
        on periods.contract_name = contracts.contract_name
    left join coverage
        on periods.contract_name = coverage.contract_name
        and periods.period_start = coverage.period_start

),

final as (

    select
        *,
        case
            when budgeting_method = 'Occurrences'
                then
                    {{ slm_count('good_events') }}
                    + case when missing_data = 'good' then imputed_events else {{ slm_count(0) }} end
            else
                -- the slices with requests by their ratios, every other counted slice as good
                {{ slm_count('good_events') }} + slices_counted - {{ slm_count('total_events') }}
                - case when missing_data in ('bad', 'excluded') then gap_slices else {{ slm_count(0) }} end
        end as counted_good_events,
        case
            when budgeting_method = 'Occurrences' then {{ slm_count('total_events') }} + imputed_events
            else slices_counted - case when missing_data = 'excluded' then gap_slices else {{ slm_count(0) }} end
        end as counted_total_events

    from counted

)

select * from final
