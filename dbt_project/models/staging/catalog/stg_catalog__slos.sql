with

source as (

    select * from {{ source('catalog', 'slos') }}

)

select * from source
