{#- dbt-spark 1.11's dateadd multiplies its interval without parentheses (`a - 1 * 60`), so
    dbt.date_spine('minute', ...) stepped by seconds on Spark: the telemetry grid held 144 of a
    day's 1,440 minutes. The interval is parenthesised here, then dbt-spark's own macro runs
    (found first for the `dbt` namespace: dbt_project.yml `dispatch`). -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {{ return(dbt.spark__dateadd(datepart, '(' ~ interval ~ ')', from_date_or_timestamp)) }}
{%- endmacro %}

{#- dbt-spark 1.11's listagg drops the `order by` with a warning, so the list's order would be
    whatever order the rows arrived in: Spark 4 has listagg ... within group (order by ...). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause and not limit_num -%}
        listagg({{ measure }}, {{ delimiter_text }}) within group ({{ order_by_clause }})
    {%- else -%}
        {{ return(dbt.spark__listagg(measure, delimiter_text, order_by_clause, limit_num)) }}
    {%- endif -%}
{%- endmacro %}
