with

source as (

    select * from {{ source('catalog', 'exclusions') }}

)

select * from source
