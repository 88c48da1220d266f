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
    counted_good_events / counted_total_events. -#}

with

contracts as (

    select * from {{ ref('stg_catalog__contracts') }}
    where computed

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

periods as (

    select
        contract_name,
        service,
        period_start,
        max(event_date) as last_day_with_data,
        sum(good_events * (1 - is_excluded)) as good_events,
        sum(total_events * (1 - is_excluded)) as total_events,
        sum(total_events * is_excluded) as excluded_events

    from contract_minutes
    group by contract_name, service, period_start

),

bounded as (

    select
        periods.*,
        cast(
            case
                when contracts.period = 'quarter' then {{ dbt.dateadd('month', 3, 'periods.period_start') }}
                else {{ dbt.dateadd('month', 1, 'periods.period_start') }}
            end as date
        ) as period_end

    from periods
    inner join contracts
        on periods.contract_name = contracts.contract_name

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

-- The missing-data policy: gap minutes are assumed to have carried the period's observed events
-- per covered minute (imputed_events), counted as good, as bad, or not at all (excluded).
counted as (

    select
        bounded.*,
        coalesce(coverage.expected_minutes, 0) as expected_minutes,
        coalesce(coverage.gap_minutes, 0) as gap_minutes,
        contracts.missing_data,
        case
            when contracts.missing_data in ('good', 'bad') and coverage.gap_minutes > 0
                    and coverage.expected_minutes > coverage.gap_minutes
                then {{ slm_count('bounded.total_events * coverage.gap_minutes / (coverage.expected_minutes - coverage.gap_minutes)') }}
            else {{ slm_count(0) }}
        end as imputed_events

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
        {{ slm_count('good_events') }}
            + case when missing_data = 'good' then imputed_events else {{ slm_count(0) }} end as counted_good_events,
        {{ slm_count('total_events') }} + imputed_events as counted_total_events

    from counted

),

tier_hit as (

    select
        attained.contract_name,
        attained.period_start,
        min(tiers.below_pct) as tier_below_pct

    from attained
    inner join tiers
        on attained.contract_name = tiers.contract_name
    where attained.counted_good_events * 100
        < {{ slm_percent('tiers.below_pct') }} * attained.counted_total_events
    group by attained.contract_name, attained.period_start

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
        case
            when tier_hit.tier_below_pct is null then {{ slm_percent(0) }}
            when tiers.credit_pct > contracts.credit_cap_pct then {{ slm_percent('contracts.credit_cap_pct') }}
            else {{ slm_percent('tiers.credit_pct') }}
        end as credit_pct

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

amounts as (

    select
        *,
        {{ slm_money('round(fee_amount * credit_pct * ' ~ slm_percent('0.01') ~ ', 2)') }} as credit_before_minimum

    from credited

),

final as (

    select
        {{ slm_key(['amounts.contract_name', 'amounts.period_start']) }} as compliance_id,
        amounts.contract_name,
        amounts.customer,
        amounts.period_start,
        amounts.period_end,
        amounts.last_day_with_data >= cast({{ dbt.dateadd('day', -1, 'amounts.period_end') }} as date) as period_complete,
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
        case
            when amounts.credit_before_minimum < amounts.minimum_credit then {{ slm_money(0) }}
            else amounts.credit_before_minimum
        end as credit_amount,
        amounts.fee_amount,
        amounts.currency,
        amounts.exclusion_kinds as exclusions_honoured,
        amounts.missing_data,
        amounts.gap_minutes,
        {{ slm_coverage('amounts.expected_minutes', 'amounts.gap_minutes') }} as coverage

    from amounts

)

select * from final
