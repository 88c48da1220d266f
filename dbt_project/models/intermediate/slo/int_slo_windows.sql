{#- The window of each SLO's error budget as of each day it has data: rolling N days ending on
    as_of, or the calendar window holding as_of. A calendar window is `calendar_count` days,
    weeks, months, quarters or years counted from `calendar_anchor` (the local day of the
    calendar's startTime), in the SLO's local days. Months are added to the anchor, never chained,
    so a window anchored on the 31st starts on the last day of shorter months and on the 31st again
    after them. `target` is the target in force on as_of. -#}

with

slos as (

    select
        *,
        calendar_count * case calendar_unit when 'week' then 7 when 'day' then 1 end as period_days,
        calendar_count * case calendar_unit when 'month' then 1 when 'quarter' then 3 when 'year' then 12 end
            as period_months

    from {{ ref('int_slos_grouped') }}

),

daily as (

    select * from {{ ref('int_slo_days_aggregated') }}

),

as_of_days as (

    select distinct
        slo_name,
        day as as_of,
        target

    from daily

),

{# Whole months from the anchor to as_of: one less when adding them to the anchor passes as_of. #}
months_since as (

    select
        as_of_days.slo_name,
        as_of_days.as_of,
        as_of_days.target,
        slos.window_kind,
        slos.window_days,
        slos.calendar_unit,
        slos.calendar_anchor,
        slos.period_days,
        slos.period_months,
        slos.time_zone,
        {{ dbt.datediff('slos.calendar_anchor', 'as_of_days.as_of', 'month') }} - case
            when cast({{ dbt.dateadd('month', dbt.datediff('slos.calendar_anchor', 'as_of_days.as_of', 'month'),
                                     'slos.calendar_anchor') }} as date) > as_of_days.as_of then 1
            else 0
        end as months,
        {{ dbt.datediff('slos.calendar_anchor', 'as_of_days.as_of', 'day') }} as days

    from as_of_days
    inner join slos
        on as_of_days.slo_name = slos.slo_name

),

{# The first unit of the window holding as_of, counted from the anchor (floor: before the anchor too). #}
periods as (

    select
        *,
        cast(floor(cast(days as {{ slm_double() }}) / period_days) * period_days as integer) as start_days,
        cast(floor(cast(months as {{ slm_double() }}) / period_months) * period_months as integer) as start_months

    from months_since

),

final as (

    select
        slo_name,
        as_of,
        target,
        window_kind,
        window_days,
        calendar_unit,
        time_zone,
        case
            when window_kind = 'rolling' then cast({{ dbt.dateadd('day', '1 - window_days', 'as_of') }} as date)
            when period_days is not null
                then cast({{ dbt.dateadd('day', 'start_days', 'calendar_anchor') }} as date)
            else cast({{ dbt.dateadd('month', 'start_months', 'calendar_anchor') }} as date)
        end as window_start,
        case
            when window_kind = 'rolling' then cast({{ dbt.dateadd('day', 1, 'as_of') }} as date)
            when period_days is not null
                then cast({{ dbt.dateadd('day', 'start_days + period_days', 'calendar_anchor') }} as date)
            else cast({{ dbt.dateadd('month', 'start_months + period_months', 'calendar_anchor') }} as date)
        end as window_end

    from periods

)

select * from final
