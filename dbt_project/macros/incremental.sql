{#- How an incremental model replaces the days it recomputes (issue 18: the same models on Spark).
    DuckDB deletes those days and inserts them again (delete+insert on the day column); Spark's
    Parquet tables have no delete, so each day is a partition the run overwrites. A model writes
    `incremental_strategy=slm_day_strategy(), partition_by=slm_day_partition('<day column>')`. -#}

{% macro slm_day_strategy() -%}
    {{ return(adapter.dispatch('slm_day_strategy', 'slm_warehouse')()) }}
{%- endmacro %}

{% macro default__slm_day_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__slm_day_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro slm_day_partition(column) -%}
    {{ return(adapter.dispatch('slm_day_partition', 'slm_warehouse')(column)) }}
{%- endmacro %}

{% macro default__slm_day_partition(column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__slm_day_partition(column) -%}
    {{ return([column]) }}
{%- endmacro %}
