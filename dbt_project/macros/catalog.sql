{#- Catalog rows read at compile time (run_query), by column name. -#}

{#- The SLO definition versions to compute, read from the catalog at run time: each applies to
    the days [valid_from, valid_to). Filters were compiled from a typed tree by
    pipelines/catalog/filters.py and names are checked against RFC 1123 there, so they are safe to place
    in SQL. -#}
{% macro slm_computable_slo_versions() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select slo_name, service, good_filter_sql, total_filter_sql, definition_hash, group_by,"
        ~ " cast(valid_from as " ~ dbt.type_string() ~ ") as valid_from,"
        ~ " cast(valid_to as " ~ dbt.type_string() ~ ") as valid_to"
        ~ " from " ~ ref('stg_catalog__slo_versions') ~ " where computed order by slo_name, valid_from") -%}
    {#- each row is read by column name: slo['slo_name'], slo['good_filter_sql'], ... -#}
    {{ return(rows.rows) }}
{%- endmacro %}

{#- The distinct filters of the SLO versions (total and good), in a fixed order, each with the
    services whose versions use it: `[{'sql': ..., 'services': [...]}, ...]`. An event is judged
    once by each (its slots), then counted for every version by the slots of its filters. -#}
{% macro slm_distinct_filters(slos) -%}
    {%- set filters = [] -%}
    {%- for slo in slos -%}
        {%- for key in ['total_filter_sql', 'good_filter_sql'] -%}
            {%- set known = filters | selectattr('sql', 'equalto', slo[key]) | list -%}
            {%- if not known -%}
                {%- do filters.append({'sql': slo[key], 'services': [slo['service']]}) -%}
            {%- elif slo['service'] not in known[0]['services'] -%}
                {%- do known[0]['services'].append(slo['service']) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(filters) }}
{%- endmacro %}

{#- The slot columns of the events of `relation`: `filter_slot_<n>` tells whether the n-th
    filter holds (null for an event of a service none of whose versions uses it). -#}
{% macro slm_filter_slots(filters, relation) -%}
    {%- set services = filters | map(attribute='services') | sum(start=[]) | unique | list -%}
    {%- for filter in filters %}
        {%- if filter['services'] | length == services | length %}
        coalesce(({{ filter['sql'] }}), false) as filter_slot_{{ loop.index }}{{ ',' if not loop.last }}
        {%- else %}
        case
            when {{ relation }}.service in (
                {%- for service in filter['services'] %}{{ slm_literal(service) }}{{ ', ' if not loop.last }}{% endfor -%}
            )
                then coalesce(({{ filter['sql'] }}), false)
        end as filter_slot_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The slot (1-based) of a version's filter (`filter_key`: good_filter_sql or total_filter_sql). -#}
{% macro slm_filter_slot(filters, slo, filter_key) -%}
    {{ return((filters | map(attribute='sql') | list).index(slo[filter_key]) + 1) }}
{%- endmacro %}

{#- The distinct (total slot, good slot) pairs of the versions, in a fixed order: a minute's sums
    are kept per pair (good: both filters hold) and per total slot (total, records), so a version
    reads its counts from one row, never regrouped. -#}
{% macro slm_filter_pairs(filters, slos) -%}
    {%- set pairs = [] -%}
    {%- for slo in slos -%}
        {%- set pair = [slm_filter_slot(filters, slo, 'total_filter_sql'), slm_filter_slot(filters, slo, 'good_filter_sql')] -%}
        {%- if pair not in pairs -%}
            {%- do pairs.append(pair) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}

{#- The total slots of `pairs` (slm_filter_pairs), each once: a minute's total and records are
    kept per total slot. -#}
{% macro slm_total_slots(pairs) -%}
    {{ return(pairs | map('first') | unique | list) }}
{%- endmacro %}

{#- The column of `relation` holding, for each joined version row of `versions`, the sum named
    `kind`: good_sum (per pair of slots), total_sum or records (per total slot). -#}
{% macro slm_pair_column(pairs, kind, versions, relation) -%}
    case
        {%- if kind == 'good_sum' %}
        {%- for pair in pairs %}
        when {{ versions }}.total_slot = {{ pair[0] }} and {{ versions }}.good_slot = {{ pair[1] }}
            then {{ relation }}.good_sum_{{ pair[0] }}_{{ pair[1] }}
        {%- endfor %}
        {%- else %}
        {%- for slot in slm_total_slots(pairs) %}
        when {{ versions }}.total_slot = {{ slot }} then {{ relation }}.{{ kind }}_{{ slot }}
        {%- endfor %}
        {%- endif %}
    end
{%- endmacro %}

{#- `prefix.column, ...` for every column of `relation` but those named in `excluded` (lower
    case): a model that renames one column of a wide catalog table lists the rest from the table
    itself, so a column added to the catalog flows through. -#}
{% macro slm_columns_except(relation, prefix, excluded) -%}
    {%- if not execute -%}
        {{ prefix }}.*
    {%- else -%}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name | lower not in excluded -%}
            {{ prefix }}.{{ adapter.quote(column.name) }}{{ ',' if not loop.last }}
        {% endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- The rows of a catalog table of SLOs (`relation`, keyed by slo_name) under every name each SLO
    is computed with (`groups`: int_slo_groups), with the group's columns first. `versions`: the
    rows are definition versions, an ungrouped version going to the SLO's own name only and a
    grouped one to its groups only. -#}
{% macro slm_grouped(relation, groups, versions=false) -%}
    select
        groups.slo_name,
        groups.parent_slo_name,
        groups.group_value,
        groups.is_other,
        {{ slm_columns_except(relation, 'catalog_rows', ['slo_name']) }}
    from {{ relation }} as catalog_rows
    inner join {{ groups }} as groups
        on
            catalog_rows.slo_name = groups.parent_slo_name
            {%- if versions %}
            and (catalog_rows.group_by is null) = (groups.group_value is null and not groups.is_other)
            {%- endif %}
{%- endmacro %}
