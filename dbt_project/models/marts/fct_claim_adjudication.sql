{#- How fast the insurers and TPAs decide and pay, by the IST month of submission: for the claims submitted
    that month, the hours from submission to the first decision (approval or denial) and to the first
    settlement, their p50 and p90 (exact quantiles of the claims decided or settled so far), and how many
    claims breach their service level (fct_claims: decided or paid after the due time, or still waiting
    past it at the as-of instant). One row per insurer and one per TPA ('' for a claim without a TPA), so
    each is measured on its own. -#}
with

claims as (
    select
        *,
        toStartOfMonth({{ ist_date('assumeNotNull(submitted_at)') }}) as submitted_month,
        dateDiff('second', submitted_at, decided_at) / 3600 as decision_hours,
        dateDiff('second', submitted_at, settled_at) / 3600 as settlement_hours
    from {{ ref('fct_claims') }}
    where submitted_at is not null
),

parties as (
    select
        'insurer' as party_kind,
        insurer as party,
        *
    from claims
    union all
    select
        'tpa' as party_kind,
        tpa as party,
        *
    from claims
),

final as (
    select
        tenant_id,
        submitted_month,
        party_kind,
        party,
        count() as claims_submitted,
        countIf(decided_at is not null) as claims_decided,
        countIf(settled_at is not null) as claims_settled,
        round(quantileExact(0.5)(decision_hours), 2) as decision_hours_p50,  -- noqa: LT01
        round(quantileExact(0.9)(decision_hours), 2) as decision_hours_p90,  -- noqa: LT01
        round(quantileExact(0.5)(settlement_hours), 2) as settlement_hours_p50,  -- noqa: LT01
        round(quantileExact(0.9)(settlement_hours), 2) as settlement_hours_p90,  -- noqa: LT01
        countIf(decision_sla_hours is not null) as claims_with_sla,
        countIf(is_decision_sla_breached) as decision_sla_breaches,
        countIf(is_settlement_sla_breached) as settlement_sla_breaches,
        toBool(decision_sla_breaches + settlement_sla_breaches > 0) as is_sla_breached,
        any(as_of_date) as as_of_date
    from parties
    group by tenant_id, submitted_month, party_kind, party
)

select * from final
