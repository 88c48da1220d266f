{#- Every version of every SLO definition: its content hash and the days it was in force,
    [valid_from, valid_to) with null meaning unbounded. `is_current` marks the version in force now. -#}

with

versions as (

    select * from {{ ref('stg_catalog__slo_versions') }}

),

final as (

    select
        {{ slm_key(['slo_name', 'definition_hash', "coalesce(cast(valid_from as " ~ dbt.type_string() ~ "), '-')"]) }} as slo_version_id,
        *,
        valid_to is null as is_current

    from versions

)

select * from final
