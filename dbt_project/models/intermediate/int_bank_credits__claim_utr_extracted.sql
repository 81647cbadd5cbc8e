{#- Bank credit lines beside the claim UTRs they carry: one row per (credit line, UTR), by the rule of
    bank_credits_carrying (macros/bank_credits.sql), the known UTRs being those the insurers' settlements
    and remittance advices stated (the claim events' utr). -#}
with

claim_utrs as (
    select distinct
        tenant_id,
        upper(utr) as utr
    from {{ ref('int_claim_events__ordered') }}
    where event_type in ('settled', 'remittance_line') and length(utr) >= 8
),

{{ bank_credits_carrying('claim_utrs') }}

select * from final
