with

source as (

    select * from {{ source('catalog', 'annotations') }}

)

select * from source
