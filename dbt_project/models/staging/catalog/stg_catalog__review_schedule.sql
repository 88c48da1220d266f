with

source as (

    select * from {{ source('catalog', 'review_schedule') }}

)

select * from source
