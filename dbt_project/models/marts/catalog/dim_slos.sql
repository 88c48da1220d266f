{#- The SLO definitions in force. valid_from / valid_to are the span of this definition; until
    definition history is kept, the current definition is valid for all time (valid_to null). -#}

with

slos as (

    select * from {{ ref('stg_catalog__slos') }}

),

final as (

    select
        *,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to

    from slos

)

select * from final
