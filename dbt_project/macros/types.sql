{#- Exact and portable number types: doubles, money, percentages, counts, integer division and order-independent sums. -#}

{#- A 64-bit float. dbt.type_float() is a 32-bit FLOAT on DuckDB, which turns 0.001 into
    0.0010000000475 and a 1,000-event budget into 1000.0000475. -#}
{% macro slm_double() -%}
    {{ return(adapter.dispatch('slm_double', 'slm_warehouse')()) }}
{%- endmacro %}

{% macro default__slm_double() -%}
    double
{%- endmacro %}

{#- Exact decimals, one width per use so products stay within 38 digits on every adapter. -#}
{% macro slm_money(expr) -%}
    cast({{ expr }} as decimal(18, 2))
{%- endmacro %}

{% macro slm_percent(expr) -%}
    cast({{ expr }} as decimal(9, 4))
{%- endmacro %}

{% macro slm_count(expr) -%}
    cast({{ expr }} as decimal(28, 6))
{%- endmacro %}

{#- Integer division, truncating (both operands whole numbers >= 0): `//` in DuckDB, `div` in
    Spark; Trino, Athena and Postgres divide integers that way with `/`. -#}
{% macro slm_int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('slm_int_div', 'slm_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__slm_int_div(numerator, denominator) -%}
    (({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__slm_int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro spark__slm_int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{#- A sum of doubles that does not depend on the order of the rows: added in fixed-point decimal
    (12 places), then back to double. A parallel aggregation adds rows in any order, and doubles
    added in another order can differ in the last bit; audit snapshots must recompute byte for
    byte (`slm snapshot verify --recompute` found a RatioTimeslices SLI doing exactly that). -#}
{% macro slm_exact_sum(expr) -%}
    cast(sum({{ slm_exact(expr) }}) as {{ slm_double() }})
{%- endmacro %}

{#- A double as the fixed-point decimal slm_exact_sum adds, for a sum kept in parts (a stored
    subtotal, a part taken away): decimals of one scale add and negate exactly on every engine. -#}
{% macro slm_exact(expr) -%}
    cast({{ expr }} as decimal(38, 12))
{%- endmacro %}

{#- A whole number as a 64-bit integer on every engine: DuckDB widens a sum of integers to its
    128-bit HUGEINT and counts days between dates as BIGINT, Spark keeps BIGINT and INT. -#}
{% macro slm_int(expr) -%}
    cast({{ expr }} as bigint)
{%- endmacro %}
