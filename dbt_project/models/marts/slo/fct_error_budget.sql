{#- Error budget per SLO and day (as_of = the last day included), over the SLO's own window:
    rolling N days ending on as_of, or the calendar week/month/quarter to date.
    Budgets count adjusted events (approved exclusions removed):
      allowed_bad = sum over the window's days of (1 - target that day) * total that day,
      actual_bad = total - good,
      budget_consumed = actual_bad / allowed_bad,  budget_remaining = 1 - budget_consumed.
    The allowance is summed in exact decimals, so 99.9 % of 1,000,000 events allows exactly 1,000
    bad ones, and a target changed mid-window counts each day at its own target. `target` is the
    target in force on as_of. status: exhausted when nothing remains, at_risk below the
    `budget_at_risk_remaining` share, healthy otherwise.
    Days are the SLO's local days, so a calendar month in Europe/Berlin runs from local midnight
    to local midnight; `window_hours` is its real length (745 for October, with its 25-hour day).
    projected_exhaustion extends the trailing burn: with b = bad events per day over the last
    `projection_trailing_days` days (fewer at the start of a window) and R = allowed_bad -
    actual_bad, the budget runs out after R / b days in a rolling window; in a calendar window,
    whose allowance still grows by a = allowed_bad / days_elapsed a day, after R / (b - a) days.
    Null when the budget is already gone, not being spent faster than it grows, or would outlast
    the window. `coverage` is the telemetry coverage over the window's days so far. -#}

with

slos as (

    select * from {{ ref('stg_catalog__slos') }}

),

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

as_of_days as (

    select distinct slo_name, day as as_of, target from daily

),

windows as (

    select
        as_of_days.slo_name,
        as_of_days.as_of,
        as_of_days.target,
        slos.window_kind,
        slos.window_days,
        slos.calendar_unit,
        slos.time_zone,
        case
            when slos.window_kind = 'rolling'
                then cast({{ dbt.dateadd('day', '1 - slos.window_days', 'as_of_days.as_of') }} as date)
            when slos.calendar_unit = 'week' then cast({{ dbt.date_trunc('week', 'as_of_days.as_of') }} as date)
            when slos.calendar_unit = 'quarter' then cast({{ dbt.date_trunc('quarter', 'as_of_days.as_of') }} as date)
            else cast({{ dbt.date_trunc('month', 'as_of_days.as_of') }} as date)
        end as window_start

    from as_of_days
    inner join slos
        on as_of_days.slo_name = slos.slo_name

),

bounded as (

    select
        *,
        case
            when window_kind = 'rolling' then cast({{ dbt.dateadd('day', 1, 'as_of') }} as date)
            when calendar_unit = 'week' then cast({{ dbt.dateadd('week', 1, 'window_start') }} as date)
            when calendar_unit = 'quarter' then cast({{ dbt.dateadd('month', 3, 'window_start') }} as date)
            else cast({{ dbt.dateadd('month', 1, 'window_start') }} as date)
        end as window_end

    from windows

),

totals as (

    select
        bounded.slo_name,
        bounded.window_kind,
        bounded.window_start,
        bounded.window_end,
        bounded.as_of,
        bounded.target,
        bounded.time_zone,
        {{ slm_exact_sum('daily.good_events') }} as good_events,
        {{ slm_exact_sum('daily.total_events') }} as total_events,
        {{ slm_exact_sum('daily.excluded_events') }} as excluded_events,
        {{ slm_exact_sum('daily.good_events - daily.excluded_good_events') }} as adjusted_good_events,
        {{ slm_exact_sum('daily.total_events - daily.excluded_events') }} as adjusted_total_events,
        cast(sum(daily.allowed_bad) as {{ slm_double() }}) as allowed_bad,
        sum(daily.expected_minutes) as expected_minutes,
        sum(daily.gap_minutes) as gap_minutes,
        {{ slm_exact_sum(
            "case when daily.day > cast(" ~ dbt.dateadd('day', '-' ~ var('projection_trailing_days'), 'bounded.as_of')
            ~ " as date) then (daily.total_events - daily.excluded_events)"
            ~ " - (daily.good_events - daily.excluded_good_events) else 0 end") }} as trailing_bad

    from bounded
    inner join daily
        on bounded.slo_name = daily.slo_name
        and daily.day >= bounded.window_start
        and daily.day <= bounded.as_of
    group by
        bounded.slo_name, bounded.window_kind, bounded.window_start, bounded.window_end,
        bounded.as_of, bounded.target, bounded.time_zone

),

budgets as (

    select
        *,
        adjusted_total_events - adjusted_good_events as actual_bad,
        {{ dbt.datediff('window_start', 'as_of', 'day') }} + 1 as days_elapsed,
        {{ dbt.datediff(
            slm_local_to_utc('cast(window_start as ' ~ dbt.type_timestamp() ~ ')', 'time_zone'),
            slm_local_to_utc('cast(window_end as ' ~ dbt.type_timestamp() ~ ')', 'time_zone'),
            'hour') }} as window_hours

    from totals

),

consumed as (

    select
        *,
        case when allowed_bad > 0 then actual_bad / allowed_bad else 0 end as budget_consumed,
        trailing_bad / least({{ var('projection_trailing_days') }}, days_elapsed) as trailing_bad_per_day

    from budgets

),

projected as (

    select
        *,
        case
            when actual_bad >= allowed_bad then null
            when window_kind = 'rolling' and trailing_bad_per_day > 0
                then (allowed_bad - actual_bad) / trailing_bad_per_day
            when window_kind = 'calendar' and trailing_bad_per_day > allowed_bad / days_elapsed
                then (allowed_bad - actual_bad) / (trailing_bad_per_day - allowed_bad / days_elapsed)
        end as days_left,
        case
            when window_kind = 'rolling' then {{ dbt.datediff('window_start', 'window_end', 'day') }}
            else {{ dbt.datediff('as_of', 'window_end', 'day') }}
        end as horizon_days

    from consumed

),

final as (

    select
        {{ slm_key(['slo_name', 'window_kind', 'as_of']) }} as budget_id,
        slo_name,
        window_kind,
        window_start,
        window_end,
        window_hours,
        as_of,
        target,
        good_events,
        total_events,
        excluded_events,
        good_events / nullif(total_events, 0) as sli,
        adjusted_good_events / nullif(adjusted_total_events, 0) as sli_adjusted,
        allowed_bad,
        actual_bad,
        budget_consumed,
        1 - budget_consumed as budget_remaining,
        case
            when 1 - budget_consumed <= 0 then 'exhausted'
            when 1 - budget_consumed < {{ var('budget_at_risk_remaining') }} then 'at_risk'
            else 'healthy'
        end as status,
        case
            when days_left is not null and ceil(days_left) < horizon_days
                then cast({{ dbt.dateadd('day', 'cast(ceil(days_left) as integer)', 'as_of') }} as date)
        end as projected_exhaustion,
        gap_minutes,
        {{ slm_coverage('expected_minutes', 'gap_minutes') }} as coverage

    from projected

)

select * from final
