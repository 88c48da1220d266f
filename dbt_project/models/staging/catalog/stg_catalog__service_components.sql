with

source as (

    select * from {{ source('catalog', 'service_components') }}

)

select * from source
