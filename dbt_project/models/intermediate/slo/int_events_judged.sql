-- depends_on: {{ ref('stg_catalog__slo_versions') }}
{{ config(materialized='ephemeral') }}

{#- The events of each minute of a service with SLOs, added up per outcome of the SLO versions'
    filters: each event is judged once by every distinct filter (its slots, slm_distinct_filters;
    a filter no version of its service uses is left null), not once per version, and its weight
    added in exact decimals, so int_slo_minutes counts a version's events from these sums alone.
    Joining the events to the versions first doubled them before the group (two SLOs a service),
    and a filter picked per version by a case ran on every joined row (issue 15). Keyed by
    customer too when an SLO is grouped by customer. -#}

{%- set slos = slm_computable_slo_versions() %}
{%- set grouped = slos | selectattr('group_by') | list | length > 0 %}
{%- set filters = slm_distinct_filters(slos) %}
{%- set keys = ['service', 'event_date', 'minute_ts', 'exclusion_kinds', 'version'] + (['customer'] if grouped else []) %}
{%- for filter in filters %}
{%- do keys.append('filter_slot_' ~ loop.index) %}
{%- endfor %}

with

events as (

    select * from {{ ref('int_events_marked') }}

),

judged as (

    select
        events.service,
        events.event_date,
        {{ slm_minute('events.event_ts') }} as minute_ts,
        events.exclusion_kinds,
        coalesce(events.version, '') as version,
        {%- if grouped %}
        events.customer,
        {%- endif %}
        {%- if filters %}
        {{- slm_filter_slots(filters, 'events') }},
        {%- endif %}
        events.weight

    from events
    {%- if filters %}
    where events.service in ({% for service in slos | map(attribute='service') | unique %}{{ slm_literal(service) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- else %}
    where 1 = 0
    {%- endif %}

),

final as (

    select
        {{ keys | join(',\n        ') }},
        sum({{ slm_exact('weight') }}) as weight_sum,
        count(*) as records

    from judged
    group by {{ keys | join(', ') }}

)

select * from final
