with

source as (

    select * from {{ source('catalog', 'composite_members') }}

)

select * from source
