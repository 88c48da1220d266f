{#- Literals, composite keys and list items. -#}

{#- A string literal. -#}
{% macro slm_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- A readable key for composite grains, so the grain gets unique/not_null tests. -#}
{% macro slm_key(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("cast(" ~ c ~ " as " ~ dbt.type_string() ~ ")") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- True when `item` is one whole item of the comma-separated `list` (not merely a substring of one). -#}
{% macro slm_list_contains(list, item) -%}
    {{ dbt.position(dbt.concat(["','", item, "','"]), dbt.concat(["','", list, "','"])) }} > 0
{%- endmacro %}
