{#- Alert episodes a human can read: each run of consecutive 5-minute evaluations in which an
    alert fired, with its start, its end (the first evaluation that no longer fired) and its peak
    long-window burn rate. -#}

with

firing as (

    select * from {{ ref('fct_burn_rate') }}
    where firing

),

islands as (

    select
        *,
        {{ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'evaluated_at', 'minute') }} / 5
        - row_number() over (partition by slo_name, long_minutes, short_minutes order by evaluated_at) as island

    from firing

),

final as (

    select
        {{ slm_key(['slo_name', 'long_window', 'min(evaluated_at)']) }} as episode_id,
        slo_name,
        severity,
        long_window,
        short_window,
        min(threshold) as threshold,
        min(evaluated_at) as started_at,
        {{ dbt.dateadd('minute', 5, 'max(evaluated_at)') }} as ended_at,
        count(*) * 5 as firing_minutes,
        max(burn_rate_long) as peak_burn_rate

    from islands
    group by slo_name, severity, long_window, short_window, long_minutes, short_minutes, island

)

select * from final
