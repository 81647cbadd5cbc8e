{#- Bank credit lines beside the settlement UTRs they carry: one row per (credit line, UTR), by the rule of
    bank_credits_carrying (macros/bank_credits.sql), the known UTRs being those the chain's Razorpay
    settlements reported. -#}
with

settlement_utrs as (
    select distinct
        tenant_id,
        upper(settlement_utr) as utr
    from {{ ref('int_settlements__summarised') }}
    where length(settlement_utr) >= 8
),

{{ bank_credits_carrying('settlement_utrs') }}

select * from final
