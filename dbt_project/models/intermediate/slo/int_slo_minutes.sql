-- depends_on: {{ ref('stg_catalog__slo_versions') }}
-- depends_on: {{ ref('int_slo_groups') }}
{{
    config(
        materialized='incremental',
        incremental_strategy=slm_day_strategy(),
        partition_by=slm_day_partition('event_date'),
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{#- The minute-grain base of every SLO: weighted good and total events per SLO, minute, set of
    exclusion kinds and deployed `version` (for canary comparisons), each day computed with the
    definition version in force on it. Incremental by day: a run replaces exactly the days in
    [first, end) (slm_run_window). Good events are counted among total events only (an SLO's
    good filter applies inside its total filter).
    Read from each minute's sums of events per outcome of the versions' filters
    (int_events_judged), joined to the versions of the service: a version takes the sums of its
    total filter's slot and, as good, of its pair of total and good slots; a minute none of whose
    events its total filter holds for has no row. A branch per SLO read the events once per SLO
    (issue 15). A version grouped by customer counts each event under its group's name, as
    int_slo_groups names it (the customer's group, else the SLO's `(other)` group): only then are
    a minute's rows (one per customer) added up again. -#}

{%- set slos = slm_computable_slo_versions() %}
{%- set grouped = slos | selectattr('group_by') | list | length > 0 %}
{%- set filters = slm_distinct_filters(slos) %}
{%- set pairs = slm_filter_pairs(filters, slos) %}
{%- set good = slm_pair_column(pairs, 'good_sum', 'slo_versions', 'per_minute') %}
{%- set total = slm_pair_column(pairs, 'total_sum', 'slo_versions', 'per_minute') %}
{%- set records = slm_pair_column(pairs, 'records', 'slo_versions', 'per_minute') %}

with

-- each minute's events of a service with SLOs, summed per outcome of the versions' filters
per_minute as (

    select * from {{ ref('int_events_judged') }}

),

{%- if slos | length > 0 %}

slo_versions as (

    {%- for slo in slos %}

    select
        {{ slm_literal(slo['slo_name']) }} as slo_name,
        {{ slm_literal(slo['service']) }} as slo_service,
        {{ slm_literal(slo['definition_hash']) }} as definition_hash,
        cast({{ slm_literal(slo['valid_from']) if slo['valid_from'] else 'null' }} as date) as slo_valid_from,
        cast({{ slm_literal(slo['valid_to']) if slo['valid_to'] else 'null' }} as date) as slo_valid_to,
        {{ 'true' if slo['group_by'] else 'false' }} as slo_grouped,
        {{ slm_filter_slot(filters, slo, 'total_filter_sql') }} as total_slot,
        {{ slm_filter_slot(filters, slo, 'good_filter_sql') }} as good_slot

    {% if not loop.last %}union all{% endif %}

    {%- endfor %}

),

{%- if grouped %}

-- each grouped version with the name of its `(other)` group, as int_slo_groups names it
slo_versions_named as (

    select
        slo_versions.*,
        others.slo_name as other_slo_name

    from slo_versions
    left join {{ ref('int_slo_groups') }} as others
        on slo_versions.slo_name = others.parent_slo_name
        and others.is_other

),

{%- endif %}

{%- endif %}

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
    from per_minute
    where 1 = 0

{%- else %}

    select
        {%- if grouped %}
        case
            when not slo_versions.slo_grouped then slo_versions.slo_name
            else coalesce(slo_groups.slo_name, slo_versions.other_slo_name)
        end as slo_name,
        {%- else %}
        slo_versions.slo_name,
        {%- endif %}
        per_minute.service,
        slo_versions.definition_hash,
        per_minute.event_date,
        per_minute.minute_ts,
        per_minute.exclusion_kinds,
        per_minute.version,
        {%- if grouped %}
        {{ slm_exact_sum(good) }} as good_events,
        {{ slm_exact_sum(total) }} as total_events,
        {{ slm_int('sum(' ~ records ~ ')') }} as records
        {%- else %}
        cast({{ good }} as {{ slm_double() }}) as good_events,
        cast({{ total }} as {{ slm_double() }}) as total_events,
        {{ slm_int(records) }} as records
        {%- endif %}

    from per_minute
    inner join {{ 'slo_versions_named' if grouped else 'slo_versions' }} as slo_versions
        on per_minute.service = slo_versions.slo_service
        and (slo_versions.slo_valid_from is null or per_minute.event_date >= slo_versions.slo_valid_from)
        and (slo_versions.slo_valid_to is null or per_minute.event_date < slo_versions.slo_valid_to)
    {%- if grouped %}
    left join {{ ref('int_slo_groups') }} as slo_groups
        on slo_versions.slo_grouped
        and slo_versions.slo_name = slo_groups.parent_slo_name
        and per_minute.customer = slo_groups.group_value
    {%- endif %}
    where {{ records }} > 0
    {%- if grouped %}
    group by 1, per_minute.service, slo_versions.definition_hash,
        per_minute.event_date, per_minute.minute_ts, per_minute.exclusion_kinds, per_minute.version
    {%- endif %}

    {%- endif %}

),

final as (

    select * from per_slo

)

select * from final
