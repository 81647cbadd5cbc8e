{#- What the insurers refused and why, by month: every denial of a claim, every rejection of a
    pre-authorisation, and every deduction line of an approval (a partial approval's deductions, or its
    deducted amount under reason '' when the sender itemised none). A claim decided again after a dispute
    or reopen counts again in its month: each decision is a fact. Amounts: a denial or rejection refuses the
    amount requested by then; a deduction its line's amount. The branch, insurer and TPA are the claim's
    (fct_claims). -#}
with

events as (
    select * from {{ ref('int_claim_events__ordered') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

refusals as (
    select
        tenant_id,
        claim_id,
        event_type as denial_kind,
        reason_code,
        requested_so_far_paise as amount_paise,
        event_time
    from events
    where event_type in ('denied', 'preauth_rejected')
),

itemised as (
    select
        tenant_id,
        claim_id,
        event_time,
        decided_deducted_paise,
        JSONExtract(
            deductions, 'Array(Tuple(code String, reason String, amount_paise Int64))'
        ) as deduction_lines
    from events
    where event_type in ('approved_full', 'approved_partial')
),

deductions as (
    select
        tenant_id,
        claim_id,
        'deduction' as denial_kind,
        tupleElement(deduction_line, 'code') as reason_code,
        tupleElement(deduction_line, 'amount_paise') as amount_paise,
        event_time
    from itemised
    array join deduction_lines as deduction_line
    union all
    select
        tenant_id,
        claim_id,
        'deduction' as denial_kind,
        '' as reason_code,
        assumeNotNull(decided_deducted_paise) as amount_paise,
        event_time
    from itemised
    where empty(deduction_lines) and decided_deducted_paise > 0
),

denials as (
    select * from refusals
    union all
    select * from deductions
),

final as (
    select
        denials.tenant_id as tenant_id,
        toStartOfMonth({{ ist_date('denials.event_time') }}) as denial_month,
        denials.denial_kind as denial_kind,
        denials.reason_code as reason_code,
        claims.insurer as insurer,
        claims.tpa as tpa,
        claims.branch_id as branch_id,
        count() as denial_count,
        uniqExact(denials.claim_id) as claim_count,
        toInt64(sum(denials.amount_paise)) as amount_paise
    from denials
    inner join claims
        on
            denials.tenant_id = claims.tenant_id
            and denials.claim_id = claims.claim_id
    group by tenant_id, denial_month, denial_kind, reason_code, insurer, tpa, branch_id
)

select * from final
