{#- Schemas are named as configured (`marts`, not `main_marts`): BI tools and the spec rely on it. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
