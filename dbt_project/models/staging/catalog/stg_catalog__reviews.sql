with

source as (

    select * from {{ source('catalog', 'reviews') }}

)

select * from source
