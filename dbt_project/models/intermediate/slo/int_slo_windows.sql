{#- The window of each SLO's error budget as of each day it has data: rolling N days ending on
    as_of, or the calendar week, month or quarter holding as_of (from its start to its end, in
    the SLO's local days). `target` is the target in force on as_of. -#}

with

slos as (

    select * from {{ ref('stg_catalog__slos') }}

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

final as (

    select
        *,
        case
            when window_kind = 'rolling' then cast({{ dbt.dateadd('day', 1, 'as_of') }} as date)
            when calendar_unit = 'week' then cast({{ dbt.dateadd('week', 1, 'window_start') }} as date)
            when calendar_unit = 'quarter' then cast({{ dbt.dateadd('month', 3, 'window_start') }} as date)
            else cast({{ dbt.dateadd('month', 1, 'window_start') }} as date)
        end as window_end

    from windows

)

select * from final
