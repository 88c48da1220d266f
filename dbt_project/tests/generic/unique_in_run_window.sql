{#- dbt's `unique`, over the rows of the run's days only (slm_run_window; every row in a whole
    rebuild), for an incremental model whose key fixes its day: each run checks the rows of its
    days, and the days before were checked by the runs that wrote them (a model that re-judges a
    few days before its window writes them with the same statement). dbt's `unique` read the
    whole history every run: 3.4 s of one new day on 90 days for fct_burn_rate (issue 15). -#}

{% test unique_in_run_window(model, column_name, date_column) %}

select
    {{ column_name }} as unique_field,
    count(*) as n_records

from {{ model }}
where {{ column_name }} is not null
    and {{ slm_window_filter(date_column) }}
group by {{ column_name }}
having count(*) > 1

{% endtest %}
