{#- Every minute of every (service, source) since that source first reported, with the records
    that arrived, the records that were expected, and whether the minute lies in a telemetry gap.
    Two reasons to expect telemetry (the larger expectation wins, named in `expected_by`):
    - pattern: the mean records of the same hour of day over the previous (up to) 7 days, spread
      evenly over the hour, when that hour had telemetry on at least half of those days and
      `gap_min_history_days` of them are known. A service that is quiet at night every night
      expects nothing at night; one that reported on a single day sets no pattern.
    - mirror: another source of the service saw real (non-probe) requests in that minute, e.g. the
      load balancer kept counting; this source is expected to have recorded the busiest source's
      weighted requests times its own mean sample rate over the last 7 days. Probe-only sources
      (synthetic checkers) neither mirror nor are mirrored.
    A gap is a run of consecutive minutes without records whose expected records add up to at
    least `gap_min_expected_records` (default 20: Poisson traffic is that silent by chance with
    probability e^-20, about 2 in a billion), so quiet minutes of a low-traffic service are not gaps and a 3-hour
    outage of its logging is. The grid runs to the last minute any service reported, so a source
    that stops before the others is caught too. -#}

{%- set events = ref('stg_lake__events') %}
{%- set first_minute = "(select min(" ~ slm_minute('event_ts') ~ ") from " ~ events ~ ")" %}
{%- set after_last_minute = "(select " ~ dbt.dateadd('minute', 1, 'max(' ~ slm_minute('event_ts') ~ ')') ~ " from " ~ events ~ ")" %}
{%- set epoch = "cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set silent = "records = 0 and (pattern_expected > 0 or mirror_expected > 0)" %}

with

events as (

    select * from {{ events }}

),

per_minute as (

    select
        service,
        source,
        {{ slm_minute('event_ts') }} as minute_ts,
        count(*) as records,
        sum(case when is_probe then 0 else weight end) as requests,
        sum(case when is_probe then 0 else 1 end) as real_records,
        sum(case when is_probe then 0 else sample_rate end) as real_sample_rate_sum

    from events
    group by service, source, {{ slm_minute('event_ts') }}

),

source_bounds as (

    select service, source, min(minute_ts) as first_minute_ts
    from per_minute
    group by service, source

),

spine as (

    {{ dbt.date_spine('minute', first_minute, after_last_minute) }}

),

grid as (

    select
        source_bounds.service,
        source_bounds.source,
        cast(spine.date_minute as {{ dbt.type_timestamp() }}) as minute_ts

    from spine
    cross join source_bounds
    where spine.date_minute >= source_bounds.first_minute_ts

),

counted as (

    select
        grid.service,
        grid.source,
        grid.minute_ts,
        {{ slm_hour('grid.minute_ts') }} as hour_ts,
        coalesce(per_minute.records, 0) as records,
        coalesce(per_minute.requests, 0) as requests,
        coalesce(per_minute.real_records, 0) as real_records,
        coalesce(per_minute.real_sample_rate_sum, 0) as real_sample_rate_sum

    from grid
    left join per_minute
        on grid.service = per_minute.service
        and grid.source = per_minute.source
        and grid.minute_ts = per_minute.minute_ts

),

hourly as (

    select
        service,
        source,
        hour_ts,
        {{ slm_hour_of_day('hour_ts') }} as hour_of_day,
        sum(records) as records,
        sum(real_records) as real_records,
        sum(real_sample_rate_sum) as real_sample_rate_sum

    from counted
    group by service, source, hour_ts

),

hourly_history as (

    select
        service,
        source,
        hour_ts,
        count(*) over (
            partition by service, source, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_days,
        sum(case when records > 0 then 1 else 0 end) over (
            partition by service, source, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_days_with_telemetry,
        avg(cast(records as {{ slm_double() }})) over (
            partition by service, source, hour_of_day order by hour_ts
            rows between 7 preceding and 1 preceding
        ) as prior_mean_records,
        sum(real_records) over (
            partition by service, source order by hour_ts
            rows between 168 preceding and current row
        ) as recent_real_records,
        sum(real_sample_rate_sum) over (
            partition by service, source order by hour_ts
            rows between 168 preceding and current row
        ) as recent_sample_rate_sum

    from hourly

),

busiest as (

    -- the most real requests any source of the service saw in the minute (only the minutes in
    -- which a source itself recorded nothing use it, so this is another source's count)
    select service, minute_ts, max(requests) as requests
    from counted
    group by service, minute_ts

),

expected as (

    select
        counted.service,
        counted.source,
        counted.minute_ts,
        cast(counted.minute_ts as date) as event_date,
        counted.records,
        case
            when hourly_history.prior_days >= {{ var('gap_min_history_days') }}
                and hourly_history.prior_days_with_telemetry * 2 >= hourly_history.prior_days
                then hourly_history.prior_mean_records / 60
            else 0
        end as pattern_expected,
        case
            when hourly_history.recent_real_records > 0
                then busiest.requests * hourly_history.recent_sample_rate_sum / hourly_history.recent_real_records
            else 0
        end as mirror_expected

    from counted
    inner join hourly_history
        on counted.service = hourly_history.service
        and counted.source = hourly_history.source
        and counted.hour_ts = hourly_history.hour_ts
    inner join busiest
        on counted.service = busiest.service
        and counted.minute_ts = busiest.minute_ts

),

silences as (

    select
        *,
        case when pattern_expected >= mirror_expected then pattern_expected else mirror_expected end as expected_records,
        -- consecutive silent minutes share an id (minute number - rank among silent minutes)
        case
            when {{ silent }}
                then {{ dbt.datediff(epoch, 'minute_ts', 'minute') }}
                    - row_number() over (
                        partition by service, source, case when {{ silent }} then 1 else 0 end
                        order by minute_ts)
        end as silence_id

    from expected

),

judged as (

    select
        *,
        coalesce(
            sum(expected_records) over (partition by service, source, silence_id) >= {{ var('gap_min_expected_records') }}
            and silence_id is not null,
            false) as is_gap

    from silences

),

final as (

    select
        {{ slm_key(['service', 'source', 'minute_ts']) }} as source_minute_id,
        service,
        source,
        minute_ts,
        event_date,
        records,
        expected_records,
        case
            when expected_records = 0 then null
            when mirror_expected > pattern_expected then 'mirror'
            else 'pattern'
        end as expected_by,
        records > 0 or expected_records > 0 as is_expected,
        is_gap

    from judged

)

select * from final
