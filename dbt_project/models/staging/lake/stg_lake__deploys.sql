with

source as (

    select * from {{ source('lake', 'deploys') }}

),

renamed as (

    select
        service,
        version,
        started_at,
        finished_at,
        outcome,
        who

    from source

)

select * from renamed
