{#- Each SLO's review standing (`slm review`), as of the last day with data (so the mart follows
    the data, not the clock). due_on is the latest day its cadence made a review due on or before
    as_of, next_due_on the first after. status:
      retired   the latest review decided to retire it;
      reviewed  a review was recorded on or after due_on;
      due       none since due_on, and as_of is less than `review_grace_days` after it;
      overdue   none since due_on for `review_grace_days` or more. -#}

with

slos as (

    select distinct
        slo_name,
        service
    from {{ ref('stg_catalog__slos') }}

),

as_of as (

    select coalesce(max(day), current_date) as as_of
    from {{ ref('fct_sli_daily') }}

),

schedule as (

    select
        slos.slo_name,
        max(schedule.cadence) as cadence,
        max(case when schedule.due_on <= as_of.as_of then schedule.due_on end) as due_on,
        min(case when schedule.due_on > as_of.as_of then schedule.due_on end) as next_due_on
    from slos
    cross join as_of
    left join {{ ref('stg_catalog__review_schedule') }} as schedule
        on slos.slo_name = schedule.slo_name
    group by slos.slo_name

),

ranked as (

    select
        *,
        count(*) over (partition by slo_name) as reviews,
        row_number() over (partition by slo_name order by reviewed_at desc, review_id desc) as nth
    from {{ ref('stg_catalog__reviews') }}

),

latest as (

    select * from ranked
    where nth = 1

),

final as (

    select
        slos.slo_name,
        slos.service,
        schedule.cadence,
        as_of.as_of,
        schedule.due_on,
        schedule.next_due_on,
        {{ slm_int('coalesce(latest.reviews, 0)') }} as reviews,
        latest.reviewed_at as last_reviewed_at,
        latest.decision as last_decision,
        latest.who as last_reviewer,
        latest.note as last_note,
        case
            when latest.decision = 'retire' then 'retired'
            when schedule.due_on is null and latest.reviewed_at is not null then 'reviewed'
            when cast(latest.reviewed_at as date) >= schedule.due_on then 'reviewed'
            when
                schedule.due_on is null
                or as_of.as_of < {{ dbt.dateadd('day', var('review_grace_days'), 'schedule.due_on') }}
                then 'due'
            else 'overdue'
        end as status

    from slos
    cross join as_of
    inner join schedule on slos.slo_name = schedule.slo_name
    left join latest on slos.slo_name = latest.slo_name

)

select * from final
