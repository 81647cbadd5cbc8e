{#- Each claim's payment from the insurer tied to the bank (docs/claims.md, "Settlement reconciliation").
    Rows: one per (claim, UTR) the insurer settled (its `settled` events under that UTR, beside the
    remittance advice lines for the claim under the same UTR); one per (claim, UTR) of remittance lines
    without a settlement (orphan_remittance); one per approved claim not settled yet (utr ''). So every
    remittance line is on exactly one row. The bank credits carrying a UTR (int_bank_credits__claim_utr_extracted)
    are compared with what the insurer says it transferred under it, over every claim it paid: the
    settlements' paid amounts (net of TDS). Status, first rule that applies wins: orphan_remittance;
    in_transit / overdue (not settled, within / past the settlement service level); short_paid (paid plus
    TDS below the approved amount; the TDS the settlements state, else the remittance advice's); bank_unmatched (no credit carries the UTR, or the credits differ from
    what was transferred under it); matched. -#}
with

events as (
    select * from {{ ref('int_claim_events__ordered') }}
    where event_type in ('settled', 'remittance_line')
),

claims as (
    select * from {{ ref('fct_claims') }}
),

bank_credits as (
    select * from {{ ref('int_bank_credits__claim_utr_extracted') }}
),

as_of as (
    select
        as_of_date,
        {{ ist_day_end('as_of_date') }} as as_of_end
    from {{ ref('int_as_of_date__resolved') }}
),

payments as (
    select
        tenant_id,
        claim_id,
        upper(utr) as utr,
        toInt64(countIf(event_type = 'settled')) as settlement_count,
        toInt64(coalesce(sumIf(paid_paise, event_type = 'settled'), 0)) as settled_paise,
        toInt64(coalesce(sumIf(tds_paise, event_type = 'settled'), 0)) as settled_tds_paise,
        toInt64(countIf(event_type = 'remittance_line')) as remittance_line_count,
        toInt64(coalesce(sumIf(paid_paise, event_type = 'remittance_line'), 0)) as remitted_paise,
        toInt64(coalesce(sumIf(tds_paise, event_type = 'remittance_line'), 0)) as remitted_tds_paise,
        minIf(toNullable(event_time), event_type = 'settled') as settled_at
    from events
    group by tenant_id, claim_id, utr
),

awaiting as (
    select
        tenant_id,
        claim_id,
        '' as utr,
        toInt64(0) as settlement_count,
        toInt64(0) as settled_paise,
        toInt64(0) as settled_tds_paise,
        toInt64(0) as remittance_line_count,
        toInt64(0) as remitted_paise,
        toInt64(0) as remitted_tds_paise,
        cast(null as Nullable(DateTime64(3, 'UTC'))) as settled_at
    from claims
    where
        approved_paise > 0
        and claim_kind = 'claim'
        and (tenant_id, claim_id) not in (
            select
                paid.tenant_id,
                paid.claim_id
            from payments as paid
        )
),

recon_rows as (
    select * from payments
    union all
    select * from awaiting
),

-- what the insurer says it transferred under each UTR, over every claim it paid with it
transferred_per_utr as (
    select
        tenant_id,
        utr,
        sum(if(settlement_count > 0, settled_paise, remitted_paise)) as utr_transferred_paise
    from recon_rows
    where utr != ''
    group by tenant_id, utr
),

credits_per_utr as (
    {{ bank_credits_per_utr('bank_credits') }}
),

joined as (
    select
        recon_rows.tenant_id as tenant_id,
        recon_rows.claim_id as claim_id,
        recon_rows.utr as utr,
        recon_rows.settlement_count as settlement_count,
        recon_rows.settled_paise as settled_paise,
        recon_rows.settled_tds_paise as settled_tds_paise,
        recon_rows.remittance_line_count as remittance_line_count,
        recon_rows.remitted_paise as remitted_paise,
        recon_rows.remitted_tds_paise as remitted_tds_paise,
        recon_rows.settled_at as settled_at,
        claims.branch_id as branch_id,
        claims.episode_id as episode_id,
        claims.insurer as insurer,
        claims.tpa as tpa,
        claims.state as claim_state,
        claims.approved_paise as approved_paise,
        claims.paid_paise as claim_paid_paise,
        -- the TDS withheld: the settlements', else (an NHCX PaymentNotice states none) the remittance advice's
        if(claims.tds_paise != 0, claims.tds_paise, claims.remitted_tds_paise) as claim_tds_paise,
        claims.decided_at as decided_at,
        claims.settlement_due_at as settlement_due_at,
        coalesce(transferred_per_utr.utr_transferred_paise, 0) as utr_transferred_paise,
        coalesce(credits_per_utr.credited_paise, 0) as bank_credited_paise,
        credits_per_utr.credited_paise is not null as has_bank_credit,
        credits_per_utr.bank_credit_date as bank_credit_date,
        coalesce(credits_per_utr.bank_line_count, 0) as bank_line_count,
        as_of.as_of_date as as_of_date,
        as_of.as_of_end as as_of_end
    from recon_rows
    inner join claims
        on
            recon_rows.tenant_id = claims.tenant_id
            and recon_rows.claim_id = claims.claim_id
    left join transferred_per_utr
        on
            recon_rows.tenant_id = transferred_per_utr.tenant_id
            and recon_rows.utr = transferred_per_utr.utr
    left join credits_per_utr
        on
            recon_rows.tenant_id = credits_per_utr.tenant_id
            and recon_rows.utr = credits_per_utr.utr
    cross join as_of
),

statused as (
    select
        *,
        approved_paise - claim_tds_paise as expected_net_paise,
        approved_paise - (claim_paid_paise + claim_tds_paise) as short_by_paise,
        bank_credited_paise - utr_transferred_paise as bank_difference_paise,
        multiIf(
            settlement_count = 0 and remittance_line_count > 0, 'orphan_remittance',
            settlement_count = 0
            and (settlement_due_at is null or as_of_end <= settlement_due_at), 'in_transit',
            settlement_count = 0, 'overdue',
            claim_paid_paise + claim_tds_paise < approved_paise, 'short_paid',
            utr = '' or not has_bank_credit or bank_credited_paise != utr_transferred_paise, 'bank_unmatched',
            'matched'
        ) as status
    from joined
),

final as (
    select
        tenant_id,
        claim_id,
        utr,
        branch_id,
        episode_id,
        insurer,
        tpa,
        claim_state,
        status,
        approved_paise,
        settled_paise,
        settled_tds_paise,
        claim_paid_paise,
        claim_tds_paise,
        expected_net_paise,
        short_by_paise,
        remitted_paise,
        remitted_tds_paise,
        remittance_line_count,
        settlement_count,
        settled_at,
        settlement_due_at,
        utr_transferred_paise,
        bank_credited_paise,
        bank_difference_paise,
        bank_credit_date,
        bank_line_count,
        multiIf(
            status = 'orphan_remittance',
            concat(
                'remittance advice lines for claim ', claim_id, ' under UTR ', utr, ' (',
                {{ rupees_text('remitted_paise') }}, ') but no settlement of the claim under that UTR'
            ),
            status = 'overdue',
            concat(
                'claim ', claim_id, ' approved for ', {{ rupees_text('approved_paise') }},
                ' is not settled and was due by ',
                toString(assumeNotNull(settlement_due_at), 'Asia/Kolkata'), ' IST'
            ),
            status = 'short_paid',
            concat(
                'the insurer paid ', {{ rupees_text('claim_paid_paise') }}, ' and withheld TDS of ',
                {{ rupees_text('claim_tds_paise') }}, ' against ', {{ rupees_text('approved_paise') }},
                ' approved: short by ', {{ rupees_text('short_by_paise') }}
            ),
            status = 'bank_unmatched' and utr = '',
            concat('the settlement of claim ', claim_id, ' has no UTR to find in the bank statement'),
            status = 'bank_unmatched' and not has_bank_credit,
            concat(
                'no bank credit carries UTR ', utr, ' (', {{ rupees_text('utr_transferred_paise') }},
                ' transferred under it)'
            ),
            status = 'bank_unmatched',
            concat(
                'bank credited ', {{ rupees_text('bank_credited_paise') }}, ' for UTR ', utr, ' but ',
                {{ rupees_text('utr_transferred_paise') }}, ' was transferred under it'
            ),
            ''
        ) as exception_reason,
        as_of_date
    from statused
)

select * from final
