{#- The names every SLO is computed under. An SLO without `groupBy` is computed under its own name
    (`group_value` null). An SLO grouped by customer is computed per group: `<slo>[<customer>]` for
    the first `group_limit` customers its service served (ordered by the day first seen, then
    by that day's records, most first, then by name: a customer keeps its group as days are added),
    plus every customer a contract on it is scoped to, and `<slo>[(other)]` (`is_other`) for the
    rest and for events without a customer. An SLO grouped in some versions and not in others has
    both kinds of name; the largest `group_limit` of its versions applies. -#}

with

versions as (

    select * from {{ ref('stg_catalog__slo_versions') }}

),

scoped as (

    select distinct
        slo_name,
        scope_customer as customer
    from {{ ref('stg_catalog__contracts') }}
    where scope_customer is not null

),

customers as (

    select * from {{ ref('int_service_customers_daily') }}

),

ungrouped as (

    select distinct slo_name
    from versions
    where group_by is null

),

grouped as (

    select
        slo_name,
        max(service) as service,
        max(group_limit) as group_limit
    from versions
    where group_by is not null
    group by slo_name

),

first_seen as (

    select
        service,
        customer,
        min(event_date) as first_day
    from customers
    group by service, customer

),

ranked as (

    select
        grouped.slo_name,
        first_seen.customer,
        row_number() over (
            partition by grouped.slo_name
            order by first_seen.first_day asc, customers.records desc, first_seen.customer asc
        ) as seen_rank,
        grouped.group_limit
    from grouped
    inner join first_seen
        on grouped.service = first_seen.service
    inner join customers
        on first_seen.service = customers.service
        and first_seen.customer = customers.customer
        and first_seen.first_day = customers.event_date

),

admitted as (

    select
        slo_name,
        customer
    from ranked
    where seen_rank <= group_limit

    union

    select
        scoped.slo_name,
        scoped.customer
    from scoped
    inner join grouped
        on scoped.slo_name = grouped.slo_name

),

final as (

    select
        slo_name,
        slo_name as parent_slo_name,
        cast(null as {{ dbt.type_string() }}) as group_value,
        false as is_other
    from ungrouped

    union all

    select
        {{ dbt.concat(['slo_name', "'['", 'customer', "']'"]) }} as slo_name,
        slo_name as parent_slo_name,
        customer as group_value,
        false as is_other
    from admitted

    union all

    select
        {{ dbt.concat(['slo_name', "'[(other)]'"]) }} as slo_name,
        slo_name as parent_slo_name,
        cast(null as {{ dbt.type_string() }}) as group_value,
        true as is_other
    from grouped

)

select * from final
