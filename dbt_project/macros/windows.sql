{#- The days a run processes, and which definition version is in force on a day. -#}

{#- The days a run processes, as a half-open filter on a date column. -#}
{% macro slm_window_filter(date_column) -%}
    {%- if var('min_date') and var('max_date') -%}
        {{ date_column }} >= cast('{{ var("min_date") }}' as date)
        and {{ date_column }} < cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The SLO definition version `v` is in force on `day` ([valid_from, valid_to), null = unbounded). -#}
{% macro slm_version_in_force(v, day) -%}
    ({{ v }}.valid_from is null or {{ day }} >= {{ v }}.valid_from)
        and ({{ v }}.valid_to is null or {{ day }} < {{ v }}.valid_to)
{%- endmacro %}
