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

windows as (

    select * from {{ ref('int_slo_windows') }}

),

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

totals as (

    select
        windows.slo_name,
        windows.window_kind,
        windows.window_start,
        windows.window_end,
        windows.as_of,
        windows.target,
        windows.time_zone,
        {{ slm_exact_sum('daily.good_events') }} as good_events,
        {{ slm_exact_sum('daily.total_events') }} as total_events,
        {{ slm_exact_sum('daily.excluded_events') }} as excluded_events,
        {{ slm_exact_sum('daily.good_events - daily.excluded_good_events') }} as adjusted_good_events,
        {{ slm_exact_sum('daily.total_events - daily.excluded_events') }} as adjusted_total_events,
        cast(sum(daily.allowed_bad) as {{ slm_double() }}) as allowed_bad,
        {{ slm_int("sum(daily.expected_minutes)") }} as expected_minutes,
        {{ slm_int("sum(daily.gap_minutes)") }} as gap_minutes,
        {{ slm_exact_sum(
            "case when daily.day > cast(" ~ dbt.dateadd('day', '-' ~ var('projection_trailing_days'), 'windows.as_of')
            ~ " as date) then (daily.total_events - daily.excluded_events)"
            ~ " - (daily.good_events - daily.excluded_good_events) else 0 end") }} as trailing_bad

    from windows
    inner join daily
        on windows.slo_name = daily.slo_name
        and windows.window_start <= daily.day
        and windows.as_of >= daily.day
    group by
        windows.slo_name, windows.window_kind, windows.window_start, windows.window_end,
        windows.as_of, windows.target, windows.time_zone

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
