{#- The burn-rate alerts evaluated for each SLO: the SRE Workbook defaults, or the SLO's own
    AlertPolicy conditions (long window = lookbackWindow, short window = 1/12 of it rounded to
    whole 5-minute buckets, at least one), as the Workbook recommends. An SLO whose policies
    name only exhaustion conditions has no burn-rate alerts: its policies say what alerts. -#}

with

slos as (

    select * from {{ ref('int_slos_grouped') }}
    where computed

),

conditions as (

    select * from {{ ref('stg_catalog__alert_conditions') }}

),

defaults as (

    {%- for long, short, threshold, severity in slm_default_burn_alerts() %}
    select
        {{ long }} as long_minutes, {{ short }} as short_minutes,
        cast({{ threshold }} as {{ slm_double() }}) as threshold, '{{ severity }}' as severity
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

from_catalog as (

    select
        slos.slo_name,
        conditions.lookback_minutes as long_minutes,
        greatest(5, 5 * cast(round(conditions.lookback_minutes / 60.0) as {{ dbt.type_int() }})) as short_minutes,
        conditions.threshold,
        coalesce(nullif(conditions.severity, ''), 'page') as severity

    from slos
    inner join conditions
        on slos.slo_document = conditions.slo_document
    where conditions.condition_kind = 'burnrate'

),

from_defaults as (

    select
        slos.slo_name,
        defaults.*

    from slos
    cross join defaults
    where slos.slo_document not in (select conditions.slo_document from conditions)

),

final as (

    select * from from_catalog
    union all
    select * from from_defaults

)

select * from final
