with

source as (

    select * from {{ source('catalog', 'slo_versions') }}

)

select * from source
