{#- Composite SLOs of user journeys (catalog `Dependency`, hard ones, followed transitively): one
    row per journey, day and member service. A journey is a service with hard dependencies; its
    members are itself (depth 0) and every service it needs. Each member is represented by one
    SLO: the Dependency's `slo`, else the member's computed Occurrences SLO with the highest target
    (ties by name). With t_d the targets and s_d the day's adjusted SLIs of the dependencies
    (depth > 0), and T the journey's own target:
      dependencies_target = prod(t_d): the availability the journey can expect from its hard
        dependencies when each just meets its SLO (failures assumed independent; every journey
        request calls every dependency);
      dependencies_sli    = prod(s_d) that day;
      feasible            = dependencies_target >= T (else the journey promises more than its
        dependencies allow);
      budget_share        = (1 - t_d) / (1 - T) for a dependency: the part of the journey's error
        budget it may spend while meeting its own SLO; the journey's own row gets what is left,
        1 - sum of the dependencies' shares (negative when infeasible);
      error_vs_journey_budget = (1 - s_m) / (1 - T): what the member's failures that day amount to
        against the journey's allowance (above 1: on its own it spent more than the journey may).
    Products are exp(sum(ln)), portable to every engine; a zero SLI makes the product zero. -#}

with

members as (

    select * from {{ ref('stg_catalog__composite_members') }}

),

slos as (

    select * from {{ ref('stg_catalog__slos') }}

),

daily as (

    select * from {{ ref('fct_sli_daily') }}

),

ranked_slos as (

    select
        service,
        slo_name,
        row_number() over (partition by service order by target desc, slo_name asc) as rank_in_service

    from slos
    where computed and budgeting_method = 'Occurrences'

),

member_slos as (

    select
        members.journey_service,
        members.member_service,
        members.depth,
        coalesce(members.slo_name, ranked_slos.slo_name) as member_slo

    from members
    left join ranked_slos
        on members.member_service = ranked_slos.service
        and ranked_slos.rank_in_service = 1

),

journey_days as (

    select distinct
        member_slos.journey_service,
        daily.day

    from member_slos
    inner join daily
        on member_slos.member_slo = daily.slo_name

),

member_days as (

    select
        journey_days.journey_service,
        journey_days.day,
        member_slos.member_service,
        member_slos.depth,
        member_slos.member_slo,
        daily.target as member_target,
        daily.sli_adjusted as member_sli

    from journey_days
    inner join member_slos
        on journey_days.journey_service = member_slos.journey_service
    left join daily
        on member_slos.member_slo = daily.slo_name
        and journey_days.day = daily.day

),

journeys as (

    select
        journey_service,
        day,
        max(case when depth = 0 then member_slo end) as journey_slo,
        max(case when depth = 0 then member_target end) as journey_target,
        max(case when depth = 0 then member_sli end) as journey_sli,
        count(*) as members,
        sum(case when member_sli is null then 1 else 0 end) as members_without_data,
        exp(sum(case when depth > 0 and member_target > 0 then ln(member_target) else 0 end)) as dependencies_target,
        max(case when depth > 0 and member_sli = 0 then 1 else 0 end) as any_dependency_down,
        exp(sum(case when depth > 0 and member_sli > 0 then ln(member_sli) else 0 end)) as dependencies_sli_product,
        sum(case when depth > 0 then 1 - member_target else 0 end) as dependencies_allowed_error

    from member_days
    group by journey_service, day

),

final as (

    select
        {{ slm_key(['member_days.journey_service', 'member_days.day', 'member_days.member_service']) }} as composite_member_day_id,
        member_days.journey_service,
        member_days.day,
        member_days.member_service,
        member_days.depth,
        member_days.member_slo,
        member_days.member_target,
        member_days.member_sli,
        journeys.journey_slo,
        journeys.journey_target,
        journeys.journey_sli,
        journeys.members,
        journeys.dependencies_target,
        case
            when journeys.members_without_data > 0 then null
            when journeys.any_dependency_down = 1 then cast(0 as {{ slm_double() }})
            else journeys.dependencies_sli_product
        end as dependencies_sli,
        journeys.dependencies_target >= journeys.journey_target as feasible,
        case
            when member_days.depth = 0 then 1 - journeys.dependencies_allowed_error / nullif(1 - journeys.journey_target, 0)
            else (1 - member_days.member_target) / nullif(1 - journeys.journey_target, 0)
        end as budget_share,
        (1 - member_days.member_sli) / nullif(1 - journeys.journey_target, 0) as error_vs_journey_budget

    from member_days
    inner join journeys
        on member_days.journey_service = journeys.journey_service
        and member_days.day = journeys.day

)

select * from final
