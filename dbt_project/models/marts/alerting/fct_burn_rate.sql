{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('bucket_date'),
        unique_key='bucket_date',
        on_schema_change='fail',
    )
}}

{#- Multi-window, multi-burn-rate evaluation (SRE Workbook, "Alerting on SLOs") every 5 minutes:
    burn rate = (bad / total over the window) / (1 - target); an alert fires when both its long
    and its short window burn at or above the threshold. Burn rates are rounded to 1e-9 so that a
    burn exactly at a threshold compares as equal. `evaluated_at` is the end of the bucket.
    Incremental by the bucket's day (`bucket_date`): a run replaces exactly the days it computes;
    a changed AlertPolicy applies to the days computed after it (`--full-refresh` for all). -#}

with

buckets as (

    select * from {{ ref('int_slo_buckets_accumulated') }}

),

-- each alert's labels and key part, made once per alert instead of once per evaluated bucket
-- (3.5 M rows at 10 M events: the labels were a third of the mart's projection)
alerts as (

    select
        *,
        {{ slm_window_label('long_minutes') }} as long_window,
        {{ slm_window_label('short_minutes') }} as short_window,
        {{ slm_key(['long_minutes', 'short_minutes']) }} as alert_key

    from {{ ref('int_burn_alerts_configured') }}

),

windows as (

    select
        buckets.slo_name,
        cast(buckets.bucket_ts as date) as bucket_date,
        {{ dbt.dateadd('minute', 5, 'buckets.bucket_ts') }} as evaluated_at,
        buckets.target,
        alerts.long_minutes,
        alerts.short_minutes,
        alerts.threshold,
        alerts.severity,
        alerts.long_window,
        alerts.short_window,
        alerts.alert_key,
        buckets.cum_total - coalesce(long_start.cum_total, 0) as long_total,
        buckets.cum_bad - coalesce(long_start.cum_bad, 0) as long_bad,
        buckets.cum_total - coalesce(short_start.cum_total, 0) as short_total,
        buckets.cum_bad - coalesce(short_start.cum_bad, 0) as short_bad

    from buckets
    inner join alerts
        on buckets.slo_name = alerts.slo_name
    left join buckets as long_start
        on buckets.slo_name = long_start.slo_name
        and long_start.bucket_ts = {{ dbt.dateadd('minute', '-1 * alerts.long_minutes', 'buckets.bucket_ts') }}
    left join buckets as short_start
        on buckets.slo_name = short_start.slo_name
        and short_start.bucket_ts = {{ dbt.dateadd('minute', '-1 * alerts.short_minutes', 'buckets.bucket_ts') }}
    -- the lookback days before the run's window are read, not evaluated
    where {{ slm_window_filter('cast(buckets.bucket_ts as date)') }}

),

rated as (

    select
        *,
        round(case
            when long_total > 0
                then (long_bad / long_total) / cast(1 - {{ slm_percent('target') }} as {{ slm_double() }})
            else 0
        end, 9)
            as burn_rate_long,
        round(case
            when short_total > 0
                then (short_bad / short_total) / cast(1 - {{ slm_percent('target') }} as {{ slm_double() }})
            else 0
        end, 9)
            as burn_rate_short

    from windows

),

final as (

    select
        {{ slm_key(['slo_name', 'evaluated_at', 'alert_key']) }} as burn_rate_id,
        slo_name,
        bucket_date,
        evaluated_at,
        long_window,
        short_window,
        long_minutes,
        short_minutes,
        burn_rate_long,
        burn_rate_short,
        threshold,
        severity,
        burn_rate_long >= threshold and burn_rate_short >= threshold as firing

    from rated

)

select * from final
