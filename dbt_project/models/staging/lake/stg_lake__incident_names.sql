with

source as (

    select * from {{ source('lake', 'incident_names') }}

),

renamed as (

    select
        incident_id,
        name_kind,
        name

    from source

)

select * from renamed
