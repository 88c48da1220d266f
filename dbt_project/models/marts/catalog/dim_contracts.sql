with

contracts as (

    select * from {{ ref('stg_catalog__contracts') }}

)

select * from contracts
