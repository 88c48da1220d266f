with

source as (

    select * from {{ source('catalog', 'contract_exclusion_kinds') }}

)

select * from source
