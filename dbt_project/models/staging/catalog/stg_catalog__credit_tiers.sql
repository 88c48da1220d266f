with

source as (

    select * from {{ source('catalog', 'credit_tiers') }}

)

select * from source
