with

source as (

    select * from {{ source('catalog', 'exclusion_kinds') }}

)

select * from source
