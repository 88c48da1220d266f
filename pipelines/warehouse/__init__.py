"""The warehouse: the dbt project (in `dbt_project/`) as Dagster assets, and what its manifest
says about the marts."""
