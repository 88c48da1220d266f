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
        "select slo_name, service, good_filter_sql, total_filter_sql, definition_hash,"
        ~ " cast(valid_from as " ~ dbt.type_string() ~ ") as valid_from,"
        ~ " cast(valid_to as " ~ dbt.type_string() ~ ") as valid_to"
        ~ " from " ~ ref('stg_catalog__slo_versions') ~ " where computed order by slo_name, valid_from") -%}
    {#- each row is read by column name: slo['slo_name'], slo['good_filter_sql'], ... -#}
    {{ return(rows.rows) }}
{%- endmacro %}

{#- One SQL expression that evaluates, for each joined SLO version row, that version's own filter
    (`filter_key`: good_filter_sql or total_filter_sql); `slo_versions.slo_version_index` picks it. -#}
{% macro slm_per_version(slos, filter_key) -%}
    case slo_versions.slo_version_index
        {%- for slo in slos %}
        when {{ loop.index }} then ({{ slo[filter_key] }})
        {%- endfor %}
    end
{%- endmacro %}
