with

source as (

    select * from {{ source('catalog', 'claims') }}

)

select * from source
