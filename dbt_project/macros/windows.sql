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

{#- The run's days widened by `days` either side. A mart by local day recomputes the local days
    the run's UTC days touch, one either side (a zone is at most 14 hours from UTC), and reads the
    UTC days two either side: a local day at the window's edge is whole whether it is computed
    alone or in a rebuild. -#}
{% macro slm_widened_window_filter(date_column, days) -%}
    {%- if var('min_date') and var('max_date') -%}
        {{ date_column }} >= {{ dbt.dateadd('day', -1 * days, "cast('" ~ var('min_date') ~ "' as date)") }}
        and {{ date_column }} < {{ dbt.dateadd('day', days, "cast('" ~ var('max_date') ~ "' as date)") }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The SLO definition version `v` is in force on `day` ([valid_from, valid_to), null = unbounded). -#}
{% macro slm_version_in_force(v, day) -%}
    ({{ v }}.valid_from is null or {{ day }} >= {{ v }}.valid_from)
        and ({{ v }}.valid_to is null or {{ day }} < {{ v }}.valid_to)
{%- endmacro %}
