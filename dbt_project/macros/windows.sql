{#- The days a run processes, and which definition version is in force on a day. -#}

{#- The run's days, the half-open [first, end) as ISO dates, or none for every landed day (a
    whole rebuild). The warehouse asset sets them in the environment (SLM_RUN_MIN_DATE and
    SLM_RUN_MAX_DATE; unit tests override them as env_vars) and they are read only while
    executing: as `--vars`, changing run to run, they made dbt parse the whole project again on
    every run (about 5 s), and nothing the parse records may depend on them. -#}
{% macro slm_run_window() -%}
    {%- set first = env_var('SLM_RUN_MIN_DATE', '') if execute else '' -%}
    {%- set end = env_var('SLM_RUN_MAX_DATE', '') if execute else '' -%}
    {{ return([first, end] if first and end else none) }}
{%- endmacro %}

{#- The days a run processes, as a half-open filter on a date column. -#}
{% macro slm_window_filter(date_column) -%}
    {%- set window = slm_run_window() -%}
    {%- if window -%}
        {{ date_column }} >= cast('{{ window[0] }}' as date)
        and {{ date_column }} < cast('{{ window[1] }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The run's days widened by `days` either side. A mart by local day recomputes the local days
    the run's UTC days touch, one either side (a zone is at most 14 hours from UTC), and reads the
    UTC days two either side: a local day at the window's edge is whole whether it is computed
    alone or in a rebuild. -#}
{% macro slm_widened_window_filter(date_column, days) -%}
    {%- set window = slm_run_window() -%}
    {%- if window -%}
        {{ date_column }} >= {{ dbt.dateadd('day', -1 * days, "cast('" ~ window[0] ~ "' as date)") }}
        and {{ date_column }} < {{ dbt.dateadd('day', days, "cast('" ~ window[1] ~ "' as date)") }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The SLO definition version `v` is in force on `day` ([valid_from, valid_to), null = unbounded). -#}
{% macro slm_version_in_force(v, day) -%}
    ({{ v }}.valid_from is null or {{ day }} >= {{ v }}.valid_from)
        and ({{ v }}.valid_to is null or {{ day }} < {{ v }}.valid_to)
{%- endmacro %}
