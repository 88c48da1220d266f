{#- The SLO definition versions under the names they are computed with (int_slo_groups): an
    ungrouped version under the SLO's own name, a grouped version once per group. What joins
    the minute base to its definition reads this, not the catalog's versions. -#}

with

final as (

    {{ slm_grouped(ref('stg_catalog__slo_versions'), ref('int_slo_groups'), versions=true) }}

)

select * from final
