-- depends_on: {{ ref('stg_catalog__slo_versions') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- The minute-grain base of every SLO: weighted good and total events per SLO, minute, set of
    exclusion kinds and deployed `version` (for canary comparisons), each day computed with the
    definition version in force on it. Incremental by day: a run replaces exactly the days in
    [min_date, max_date). Good events are counted among total events only (an SLO's good filter applies inside its total filter). -#}

{%- set slos = slm_computable_slo_versions() %}

with

events as (

    select * from {{ ref('int_events_marked') }}

),

per_slo as (

    {%- if slos | length == 0 %}

    select
        cast(null as {{ dbt.type_string() }}) as slo_name,
        cast(null as {{ dbt.type_string() }}) as service,
        cast(null as {{ dbt.type_string() }}) as definition_hash,
        cast(null as date) as event_date,
        cast(null as {{ dbt.type_timestamp() }}) as minute_ts,
        cast(null as {{ dbt.type_string() }}) as exclusion_kinds,
        cast(null as {{ dbt.type_string() }}) as version,
        cast(null as {{ slm_double() }}) as good_events,
        cast(null as {{ slm_double() }}) as total_events,
        cast(null as {{ dbt.type_bigint() }}) as records
    from events
    where 1 = 0

{%- else %}
    {%- for slo in slos %}

    select
        {{ slm_literal(slo['slo_name']) }} as slo_name,
        service,
        {{ slm_literal(slo['definition_hash']) }} as definition_hash,
        event_date,
        {{ slm_minute('event_ts') }} as minute_ts,
        exclusion_kinds,
        coalesce(version, '') as version,
        {{ slm_exact_sum('case when ' ~ slo['good_filter_sql'] ~ ' then weight else 0 end') }} as good_events,
        {{ slm_exact_sum('weight') }} as total_events,
        count(*) as records

    from events
    where
        service = {{ slm_literal(slo['service']) }}
        {%- if slo['valid_from'] %}
        and event_date >= cast({{ slm_literal(slo['valid_from']) }} as date)
        {%- endif %}
        {%- if slo['valid_to'] %}
        and event_date < cast({{ slm_literal(slo['valid_to']) }} as date)
        {%- endif %}
        and ({{ slo['total_filter_sql'] }})
    group by service, event_date, {{ slm_minute('event_ts') }}, exclusion_kinds, coalesce(version, '')

    {% if not loop.last %}union all{% endif %}

    {%- endfor %}
    {%- endif %}

),

final as (

    select * from per_slo

)

select * from final
