{#- What vendors owe us: per inbound contract (a vendor's SLA to us, measured by our own SLO of
    the vendor) and period, the credit its tiers give under the same rules as our own contracts
    (fct_sla_compliance), the last day a claim is accepted, and where the claim stands as of the
    last day with data (so the mart follows the data, not the clock):
      accruing       the period is not over: data does not reach its last day yet;
      nothing_owed   the attainment earned no credit;
      below_minimum  the credit is below the contract's minimum credit: not issued;
      claimed        `slm claim` wrote a claim pack for it;
      claimable      owed, not claimed, and as_of is on or before claim_deadline;
      expired        owed, not claimed, and claim_deadline has passed.
    claim_deadline: the last day of the windowMonths-th month after the period (AWS: "by the end
    of the second billing cycle after"), or windowDays days after the period's last day. -#}

with

compliance as (

    select * from {{ ref('fct_sla_compliance') }}

),

contracts as (

    select * from {{ ref('dim_contracts') }}
    where direction = 'inbound'

),

claims as (

    select
        contract_name,
        period_start,
        count(*) as claims,
        max(claimed_at) as claimed_at,
        max(snapshot_id) as snapshot_id
    from {{ ref('stg_catalog__claims') }}
    group by contract_name, period_start

),

as_of as (

    select max(day) as as_of
    from {{ ref('fct_sli_daily') }}

),

deadlines as (

    select
        compliance.contract_name,
        contracts.vendor,
        contracts.slo_name,
        compliance.period_start,
        compliance.period_end,
        compliance.period_complete,
        compliance.attained_pct,
        compliance.target_pct,
        compliance.tier_below_pct,
        compliance.credit_pct,
        compliance.fee_in_force,
        compliance.credit_amount,
        compliance.below_minimum_credit,
        compliance.currency,
        contracts.claim_evidence,
        case
            when contracts.claim_window_months is not null
                then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'contracts.claim_window_months',
                                                                'compliance.period_end')) }} as date)
            else cast({{ dbt.dateadd('day', 'contracts.claim_window_days - 1', 'compliance.period_end') }} as date)
        end as claim_deadline

    from compliance
    inner join contracts on compliance.contract_name = contracts.contract_name

),

final as (

    select
        {{ slm_key(['deadlines.contract_name', 'deadlines.period_start']) }} as vendor_claim_id,
        deadlines.*,
        as_of.as_of,
        claims.claimed_at,
        claims.snapshot_id as claimed_from_snapshot,
        case
            when claims.claims > 0 then 'claimed'
            when not deadlines.period_complete then 'accruing'
            when deadlines.below_minimum_credit then 'below_minimum'
            when deadlines.credit_amount = 0 then 'nothing_owed'
            when as_of.as_of <= deadlines.claim_deadline then 'claimable'
            else 'expired'
        end as claim_status

    from deadlines
    cross join as_of
    left join claims
        on deadlines.contract_name = claims.contract_name
        and deadlines.period_start = claims.period_start

)

select * from final
