with

source as (

    select * from {{ source('catalog', 'contracts') }}

)

select * from source
