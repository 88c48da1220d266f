with

source as (

    select * from {{ source('catalog', 'services') }}

)

select * from source
