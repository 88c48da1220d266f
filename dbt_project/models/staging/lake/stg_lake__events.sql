with

source as (

    select * from {{ source('lake', 'events') }}

),

renamed as (

    select
        event_ts,
        day as event_date,
        service,
        operation,
        status_code,
        outcome,
        latency_ms,
        source,
        region,
        is_probe,
        sample_rate,
        -- each record stands for 1 / sample_rate requests
        1.0 / sample_rate as weight,
        version,
        trace_id,
        customer,
        file_sha256,
        line

    from source

)

select * from renamed
