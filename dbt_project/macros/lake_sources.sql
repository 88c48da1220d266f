{#- The lake's Parquet as sources. DuckDB reads each file set where it is (the source's
    `external_location`, dbt-duckdb). Spark needs a name in its metastore: before every run each
    source becomes a view over the same files (parquet.`<path or glob>`, listed again by every
    query, so newly landed days are read), and the path is written once, in the sources' YAML.
    A view, not an external table: Hive keeps a table's location as a folder, and the catalog's
    tables are single files. Runs as `on-run-start`. -#}
{% macro slm_register_lake_sources() -%}
    {{ return(adapter.dispatch('slm_register_lake_sources', 'slm_warehouse')()) }}
{%- endmacro %}

{% macro default__slm_register_lake_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__slm_register_lake_sources() -%}
    {%- if execute -%}
        {#- schemas made only when missing: Hive's metastore logs an error for every
            `create schema if not exists` of one that exists -#}
        {%- set existing = run_query("show databases").columns[0].values() | map("lower") | list -%}
        {%- for src in graph.sources.values() if src.package_name == project_name -%}
            {%- set location = src.config.get('external_location') or '' -%}
            {%- set found = modules.re.search("read_parquet[(]'([^']+)'", location) -%}
            {%- if not found -%}
                {{ exceptions.raise_compiler_error("source " ~ src.source_name ~ "." ~ src.name ~ " has no read_parquet('<path>') external_location to register on Spark") }}
            {%- endif -%}
            {%- if src.schema | lower not in existing -%}
                {%- do run_query("create schema if not exists " ~ src.schema) -%}
                {%- do existing.append(src.schema | lower) -%}
            {%- endif -%}
            {%- do run_query("create or replace view " ~ src.schema ~ "." ~ src.identifier
                             ~ " as select * from parquet.`" ~ slm_lake_path(found.group(1)) ~ "`") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- Spark reads S3 through Hadoop's s3a connector; DuckDB and boto3 call the same place s3://. -#}
{% macro slm_lake_path(path) -%}
    {{ return('s3a://' ~ path[5:] if path.startswith('s3://') else path) }}
{%- endmacro %}
