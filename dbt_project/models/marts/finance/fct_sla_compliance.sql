{#- SLA attainment and service credit per contract and period (calendar month or quarter, UTC).
    Attainment uses the contract's SLO with only the exclusion kinds the contract honours removed.
    Credit tiers: attainment below `below_pct` earns `credit_pct`; when several match, the lowest
    `below_pct` wins; a tier's bound is exclusive for the credit (exactly 99.0 % is not below
    99.0 %), compared in exact decimals. The credit is capped at credit_cap_pct, rounded half-up
    to cents, and not issued below minimum_credit. target_pct is the SLO target in force on the
    period's last day with data.
    Missing data: the contract's `missing_data` policy decides how telemetry-gap minutes count.
    They are assumed to have carried the period's observed events per covered minute
    (imputed_events = total_events x gap_minutes / (expected_minutes - gap_minutes)), which count
    as good (`good`), as bad (`bad`), or not at all (`excluded`); attainment is
    counted_good_events / counted_total_events.
    Uptime contracts (the contract's SLO is RatioTimeslices, e.g. 5-minute slices): attainment is
    the mean over every slice of the period's counted days of (1 - the slice's error rate), and a
    slice without requests counts as 0 % errors, as object-storage SLAs define it (`unit` =
    'slices': good_events is the sum of the slices' success ratios, total_events the slices).
    Slices are cut from each UTC midnight. A slice with a request inside an honoured exclusion
    leaves the count. Gap minutes, as slices (gap_minutes / slice length), count as good (they
    are empty already), as bad, or leave the count, per `missing_data`.
    Partial periods: a contract that starts or ends inside a period is charged, and credited, pro
    rata: fee_in_force = fee x days_in_force / days_in_period, in exact integer cents rounded half
    up, and the credit is credit_pct of fee_in_force. Attainment counts only the days in force. -#}

with

contracts as (

    select
        stg_catalog__contracts.*,
        slo_defs.budgeting_method,
        slo_defs.time_slice_minutes
    from {{ ref('stg_catalog__contracts') }}
    inner join {{ ref('stg_catalog__slos') }} as slo_defs
        on stg_catalog__contracts.slo_name = slo_defs.slo_name
    where stg_catalog__contracts.computed

),

tiers as (

    select * from {{ ref('stg_catalog__credit_tiers') }}

),

slos as (

    select * from {{ ref('stg_catalog__slos') }}

),

minutes as (

    select * from {{ ref('int_slo_minutes') }}

),

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

service_coverage as (

    select * from {{ ref('int_service_coverage_daily') }}

),

contract_minutes as (

    select
        contracts.contract_name,
        slos.service,
        cast(
            case
                when contracts.period = 'quarter' then {{ dbt.date_trunc('quarter', 'minutes.event_date') }}
                else {{ dbt.date_trunc('month', 'minutes.event_date') }}
            end as date
        ) as period_start,
        minutes.event_date,
        contracts.budgeting_method,
        floor({{ dbt.datediff("cast(minutes.event_date as " ~ dbt.type_timestamp() ~ ")", 'minutes.minute_ts', 'minute') }}
              / contracts.time_slice_minutes) as slice_index,
        contracts.time_slice_minutes,
        minutes.good_events,
        minutes.total_events,
        case
            when {{ slm_exclusion_honoured('minutes.exclusion_kinds', 'contracts.exclusion_kinds') }} then 1
            else 0
        end as is_excluded

    from contracts
    inner join slos
        on contracts.slo_name = slos.slo_name
    inner join minutes
        on contracts.slo_name = minutes.slo_name
    where (contracts.start_date is null or minutes.event_date >= contracts.start_date)
        and (contracts.end_date is null or minutes.event_date < contracts.end_date)

),

occurrence_periods as (

    select
        contract_name,
        service,
        period_start,
        max(event_date) as last_day_with_data,
        {{ slm_exact_sum('good_events * (1 - is_excluded)') }} as good_events,
        {{ slm_exact_sum('total_events * (1 - is_excluded)') }} as total_events,
        {{ slm_exact_sum('total_events * is_excluded') }} as excluded_events

    from contract_minutes
    where budgeting_method = 'Occurrences'
    group by contract_name, service, period_start

),

contract_slices as (

    select
        contract_name,
        service,
        period_start,
        event_date,
        slice_index,
        {{ slm_exact_sum('good_events') }} as good_events,
        {{ slm_exact_sum('total_events') }} as total_events,
        max(is_excluded) as is_excluded

    from contract_minutes
    where budgeting_method = 'RatioTimeslices'
    group by contract_name, service, period_start, event_date, slice_index

),

slice_periods as (

    -- good_events: the summed success ratios of the counted slices that had requests;
    -- total_events: those slices; excluded_events: the slices an honoured exclusion removed
    select
        contract_name,
        service,
        period_start,
        max(event_date) as last_day_with_data,
        {{ slm_exact_sum('case when is_excluded = 0 then good_events / total_events else 0 end') }} as good_events,
        sum(case when is_excluded = 0 then 1 else 0 end) as total_events,
        sum(is_excluded) as excluded_events

    from contract_slices
    group by contract_name, service, period_start

),

periods as (

    select * from occurrence_periods
    union all
    select * from slice_periods

),

ended as (

    select
        periods.*,
        contracts.budgeting_method,
        contracts.time_slice_minutes,
        cast(
            case
                when contracts.period = 'quarter' then {{ dbt.dateadd('month', 3, 'periods.period_start') }}
                else {{ dbt.dateadd('month', 1, 'periods.period_start') }}
            end as date
        ) as period_end,
        contracts.start_date,
        contracts.end_date

    from periods
    inner join contracts
        on periods.contract_name = contracts.contract_name

),

in_force as (

    select
        *,
        case when start_date > period_start then start_date else period_start end as first_day_in_force,
        case when end_date < period_end then end_date else period_end end as end_in_force,
        cast({{ dbt.dateadd('day', 1, 'last_day_with_data') }} as date) as end_of_data

    from ended

),

bounded as (

    select
        in_force.*,
        {{ dbt.datediff('period_start', 'period_end', 'day') }} as days_in_period,
        {{ dbt.datediff('first_day_in_force', 'end_in_force', 'day') }} as days_in_force,
        -- the days attainment counts: in force, and in an open period up to the last day with data
        {{ dbt.datediff('first_day_in_force', 'case when end_of_data < end_in_force then end_of_data else end_in_force end', 'day') }} as days_counted

    from in_force

),

coverage as (

    select
        bounded.contract_name,
        bounded.period_start,
        sum(service_coverage.expected_minutes) as expected_minutes,
        sum(service_coverage.gap_minutes) as gap_minutes

    from bounded
    inner join contracts
        on bounded.contract_name = contracts.contract_name
    inner join service_coverage
        on bounded.service = service_coverage.service
        and contracts.time_zone = service_coverage.time_zone
        and service_coverage.day >= bounded.period_start
        and service_coverage.day < bounded.period_end
        and (contracts.start_date is null or service_coverage.day >= contracts.start_date)
        and (contracts.end_date is null or service_coverage.day < contracts.end_date)
    group by bounded.contract_name, bounded.period_start

),

-- The missing-data policy. Events: gap minutes are assumed to have carried the period's observed
-- events per covered minute (imputed_events), counted as good, as bad, or not at all (excluded).
-- Slices: every slice of the counted days counts, an empty one as 0 % errors; gap minutes, as
-- slices, stay good, turn bad, or leave the count.
counted as (

    select
        bounded.*,
        coalesce(coverage.expected_minutes, 0) as expected_minutes,
        coalesce(coverage.gap_minutes, 0) as gap_minutes,
        contracts.missing_data,
        case
            when bounded.budgeting_method = 'Occurrences' and contracts.missing_data in ('good', 'bad')
                    and coverage.gap_minutes > 0 and coverage.expected_minutes > coverage.gap_minutes
                then {{ slm_count('bounded.total_events * coverage.gap_minutes / (coverage.expected_minutes - coverage.gap_minutes)') }}
            else {{ slm_count(0) }}
        end as imputed_events,
        {{ slm_count('bounded.days_counted * 1440 / bounded.time_slice_minutes - bounded.excluded_events') }} as slices_counted,
        {{ slm_count('coalesce(coverage.gap_minutes, 0) / bounded.time_slice_minutes') }} as gap_slices

    from bounded
    inner join contracts
        on bounded.contract_name = contracts.contract_name
    left join coverage
        on bounded.contract_name = coverage.contract_name
        and bounded.period_start = coverage.period_start

),

attained as (

    select
        *,
        case
            when budgeting_method = 'Occurrences' then
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

),

tier_hit as (

    {{ slm_tier_hit('attained', 'tiers', 'attained.counted_good_events', 'attained.counted_total_events') }}

),

credited as (

    select
        attained.*,
        contracts.customer,
        contracts.currency,
        contracts.exclusion_kinds,
        {{ slm_money('contracts.fee_amount') }} as fee_amount,
        {{ slm_money('contracts.minimum_credit') }} as minimum_credit,
        in_force.target * 100 as target_pct,
        tier_hit.tier_below_pct,
        {{ slm_capped_credit_pct('tier_hit.tier_below_pct', 'tiers.credit_pct', 'contracts.credit_cap_pct') }} as credit_pct

    from attained
    inner join contracts
        on attained.contract_name = contracts.contract_name
    inner join slos
        on contracts.slo_name = slos.slo_name
    inner join daily as in_force
        on contracts.slo_name = in_force.slo_name
        and attained.last_day_with_data = in_force.day
    left join tier_hit
        on attained.contract_name = tier_hit.contract_name
        and attained.period_start = tier_hit.period_start
    left join tiers
        on tier_hit.contract_name = tiers.contract_name
        and tier_hit.tier_below_pct = tiers.below_pct

),

prorated as (

    -- the fee for the days in force, in whole cents rounded half up (integer arithmetic: exact)
    select
        *,
        {{ slm_money('cast(' ~ slm_int_div('cast(fee_amount * 100 as ' ~ dbt.type_bigint() ~ ') * days_in_force * 2 + days_in_period', '2 * days_in_period') ~ ' as decimal(18, 0)) * 0.01') }} as fee_in_force

    from credited

),

amounts as (

    select
        *,
        {{ slm_credit_amount('fee_in_force', 'credit_pct') }} as credit_before_minimum

    from prorated

),

final as (

    select
        {{ slm_key(['amounts.contract_name', 'amounts.period_start']) }} as compliance_id,
        amounts.contract_name,
        amounts.customer,
        amounts.period_start,
        amounts.period_end,
        case when amounts.budgeting_method = 'Occurrences' then 'events' else 'slices' end as unit,
        amounts.days_in_period,
        amounts.days_in_force,
        amounts.days_counted,
        amounts.first_day_in_force,
        -- complete once data reaches the last day in force (a contract may end inside the period)
        amounts.last_day_with_data >= cast({{ dbt.dateadd('day', -1, 'amounts.end_in_force') }} as date) as period_complete,
        amounts.good_events,
        amounts.total_events,
        amounts.excluded_events,
        amounts.imputed_events,
        amounts.counted_good_events,
        amounts.counted_total_events,
        100.0 * amounts.counted_good_events / nullif(amounts.counted_total_events, 0) as attained_pct,
        amounts.target_pct,
        amounts.counted_good_events * 100 < amounts.target_pct * amounts.counted_total_events as breached,
        amounts.tier_below_pct,
        amounts.credit_pct,
        {{ slm_issued_credit('amounts.credit_before_minimum', 'amounts.minimum_credit') }} as credit_amount,
        amounts.fee_amount,
        amounts.fee_in_force,
        amounts.credit_before_minimum < amounts.minimum_credit and amounts.credit_before_minimum > 0 as below_minimum_credit,
        amounts.currency,
        amounts.exclusion_kinds as exclusions_honoured,
        amounts.missing_data,
        amounts.gap_minutes,
        {{ slm_coverage('amounts.expected_minutes', 'amounts.gap_minutes') }} as coverage

    from amounts

)

select * from final
