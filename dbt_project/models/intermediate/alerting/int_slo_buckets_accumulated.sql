-- depends_on: {{ ref('int_burn_alerts_configured') }}
{#- Every SLO on a dense grid of 5-minute buckets over the processed period, with adjusted good,
    total and bad events (approved exclusions removed), the target in force, and running sums, so
    that any window's totals are cum(t) - cum(t - window): an equi-join, portable to any engine.
    A run of the days [first, end) (slm_run_window) reads only those days and the longest alert window
    before them, so the daily cost does not grow with history; the grid ends at the run's end or at
    the newest minute in the warehouse, whichever is first, so a day's buckets are the same
    whether it is computed alone or in a rebuild. -#}

{%- set minutes_rel = ref('int_slo_minutes') %}
{%- set read_window = "1 = 1" %}
{%- set run_window = slm_run_window() %}
{%- if run_window %}
{%- set read_window = "event_date >= " ~ dbt.dateadd('day', -1 * slm_longest_alert_days(), "cast('" ~ run_window[0] ~ "' as date)")
                      ~ " and event_date < cast('" ~ run_window[1] ~ "' as date)" %}
{%- endif %}
{%- set bucket_expr = dbt.dateadd('minute', '-1 * mod(' ~ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'minute_ts', 'minute') ~ ', 5)', 'minute_ts') %}

with

minutes as (

    select * from {{ minutes_rel }}
    where {{ read_window }}

),

versions as (

    select * from {{ ref('int_slo_versions_grouped') }}
    where computed

),

spine as (

    {%- set newest = "(select " ~ dbt.dateadd('minute', 1, 'max(minute_ts)') ~ " from " ~ minutes_rel ~ ")" %}
    {%- if run_window %}
    {%- set newest = "least(" ~ newest ~ ", cast('" ~ run_window[1] ~ "' as " ~ dbt.type_timestamp() ~ "))" %}
    {%- endif %}
    {{ dbt.date_spine('minute', "(select min(minute_ts) from " ~ minutes_rel ~ " where " ~ read_window ~ ")", newest) }}

),

buckets as (

    select cast(date_minute as {{ dbt.type_timestamp() }}) as bucket_ts
    from spine
    where mod({{ dbt.datediff("cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")", 'date_minute', 'minute') }}, 5) = 0

),

slos as (

    select distinct slo_name from versions

),

counted as (

    select
        slo_name,
        {{ bucket_expr }} as bucket_ts,
        sum(good_events) as good_events,
        sum(total_events) as total_events

    from minutes
    where exclusion_kinds = ''
    group by slo_name, {{ bucket_expr }}

),

grid as (

    select
        slos.slo_name,
        buckets.bucket_ts,
        coalesce(counted.good_events, 0) as good_events,
        coalesce(counted.total_events, 0) as total_events

    from slos
    cross join buckets
    left join counted
        on slos.slo_name = counted.slo_name
        and buckets.bucket_ts = counted.bucket_ts

),

targeted as (

    select
        grid.*,
        grid.total_events - grid.good_events as bad_events,
        versions.target

    from grid
    inner join versions
        on grid.slo_name = versions.slo_name
        and {{ slm_version_in_force('versions', 'cast(grid.bucket_ts as date)') }}

),

final as (

    select
        *,
        sum(total_events) over (
            partition by slo_name order by bucket_ts
            rows between unbounded preceding and current row
        ) as cum_total,
        sum(bad_events) over (
            partition by slo_name order by bucket_ts
            rows between unbounded preceding and current row
        ) as cum_bad

    from targeted

)

select * from final
