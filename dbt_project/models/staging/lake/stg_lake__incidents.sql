with

source as (

    select * from {{ source('lake', 'incidents') }}

),

renamed as (

    select
        incident_id,
        title,
        severity,
        started_at,
        detected_at,
        mitigated_at,
        resolved_at,
        updated_at,
        url,
        file_sha256,
        line

    from source

)

select * from renamed
