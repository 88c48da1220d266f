{#- The catalog's SLOs under every name they are computed with (int_slo_groups): the settings of
    an SLO (window, time zone, alerting) apply to each of its groups. -#}

with

final as (

    {{ slm_grouped(ref('stg_catalog__slos'), ref('int_slo_groups')) }}

)

select * from final
