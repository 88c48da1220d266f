with

services as (

    select * from {{ ref('stg_catalog__services') }}

)

select * from services
