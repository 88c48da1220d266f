with

source as (

    select * from {{ source('catalog', 'alert_conditions') }}

)

select * from source
