{#- Medians and coverage. -#}

{#- The median of a column within a group. -#}
{% macro slm_median(expr) -%}
    {{ return(adapter.dispatch('slm_median', 'slm_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__slm_median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__slm_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro trino__slm_median(expr) -%}
    approx_percentile({{ expr }}, 0.5)
{%- endmacro %}

{#- Share of expected minutes that had telemetry (1 when nothing was expected). -#}
{% macro slm_coverage(expected, gaps) -%}
    case when {{ expected }} > 0
        then 1 - cast({{ gaps }} as {{ slm_double() }}) / {{ expected }}
        else cast(1 as {{ slm_double() }})
    end
{%- endmacro %}
