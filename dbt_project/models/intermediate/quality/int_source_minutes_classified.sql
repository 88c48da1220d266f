{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

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
    that stops before the others is caught too. Incremental: a run writes from the first day of
    the silences that run into its first day, so a silence that goes on into the new day is
    judged again over all its minutes, and reads from the first day of those that run into that
    one, so every silence it writes a minute of is judged whole (slm_silence_start). -#}

{%- set since = slm_silence_start(this, slm_recompute_since()) if is_incremental() else none %}
{%- set read_from = slm_silence_start(this, since) if is_incremental() else none %}

{%- set epoch = "cast('2000-01-01' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set silent = "records = 0 and (pattern_expected > 0 or mirror_expected > 0)" %}

with

expected as (

    select * from {{ ref('int_source_minutes_expected') }}
    where {{ slm_since_filter('event_date', read_from) }}

),

silences as (

    select
        *,
        case when pattern_expected >= mirror_expected then pattern_expected else mirror_expected end as expected_records,
        -- consecutive silent minutes share an id (minute number - rank among silent minutes)
        case
            when {{ silent }}
                then
                    {{ dbt.datediff(epoch, 'minute_ts', 'minute') }}
                    - row_number() over (
                        partition by service, source, case when {{ silent }} then 1 else 0 end
                        order by minute_ts
                    )
        end as silence_id

    from expected

),

judged as (

    select
        *,
        coalesce(
            sum(expected_records) over (partition by service, source, silence_id) >= {{ var('gap_min_expected_records') }}
            and silence_id is not null,
            false
        ) as is_gap

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
where {{ slm_since_filter('event_date', since) }}
