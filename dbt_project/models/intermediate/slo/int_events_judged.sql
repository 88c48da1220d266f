-- depends_on: {{ ref('stg_catalog__slo_versions') }}
{{ config(materialized='ephemeral') }}

{#- The events of each minute of a service with SLOs, added up per outcome of the SLO versions'
    filters: each event is judged once by every distinct filter (its slots, slm_distinct_filters;
    a filter no version of its service uses is left null), not once per version, and its weight
    added in exact decimals: per total filter (total_sum_<t>, records_<t>) and per pair of total
    and good filter the versions use (good_sum_<t>_<g>), so int_slo_minutes reads a version's
    counts from one row of a minute. Joining the events to the versions first doubled them before
    the group (two SLOs a service), and keying the minute by the slots made the minute base group
    its 4 M rows again by their names (issue 15). Keyed by customer too when an SLO is grouped by
    customer. -#}

{%- set slos = slm_computable_slo_versions() %}
{%- set grouped = slos | selectattr('group_by') | list | length > 0 %}
{%- set filters = slm_distinct_filters(slos) %}
{%- set pairs = slm_filter_pairs(filters, slos) %}
{%- set keys = ['service', 'event_date', 'minute_ts', 'exclusion_kinds', 'version'] + (['customer'] if grouped else []) %}
{%- set sums = [] %}
{%- for slot in slm_total_slots(pairs) %}
{%- do sums.append('sum(case when filter_slot_' ~ slot ~ ' then ' ~ slm_exact('weight') ~ ' end) as total_sum_' ~ slot) %}
{%- do sums.append('count(case when filter_slot_' ~ slot ~ ' then 1 end) as records_' ~ slot) %}
{%- endfor %}
{%- for pair in pairs %}
{%- do sums.append('sum(case when filter_slot_' ~ pair[0] ~ ' and filter_slot_' ~ pair[1] ~ ' then ' ~ slm_exact('weight')
    ~ ' else ' ~ slm_exact('0') ~ ' end) as good_sum_' ~ pair[0] ~ '_' ~ pair[1]) %}
{%- endfor %}
{%- if not sums %}
{%- do sums.append('count(*) as records') %}
{%- endif %}

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
        {{ (keys + sums) | join(',\n        ') }}

    from judged
    group by {{ keys | join(', ') }}

)

select * from final
