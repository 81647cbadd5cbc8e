{#- Each claim's history as people read it (the claim dossier's timeline, the FHIR ClaimResponse's deduction
    lines): one row per event in the fold's order, with its IST date and what the fold knows after it. The
    ordering and the state after each event are int_claim_events__ordered's, so the timeline is the
    replay's. -#}
with

events as (
    select * from {{ ref('int_claim_events__ordered') }}
),

final as (
    select
        tenant_id,
        claim_id,
        toUInt64(event_seq) as event_seq,
        source,
        message_id,
        claim_kind,
        event_type,
        event_time,
        {{ ist_date('event_time') }} as event_date,
        insurer,
        tpa,
        branch_id,
        visit_number,
        requested_paise,
        approved_paise,
        deducted_paise,
        paid_paise,
        tds_paise,
        deductions,
        reason_code,
        utr,
        state_after,
        toInt64(open_queries_after) as open_queries_after,
        decided_approved_paise,
        decided_deducted_paise
    from events
)

select * from final
