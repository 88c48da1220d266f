with

source as (

    select * from {{ source('catalog', 'dependencies') }}

)

select * from source
