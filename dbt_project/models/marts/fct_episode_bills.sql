{{
    config(
        engine='MergeTree()',
        order_by='(tenant_id, sender, bill_number, visit_number)',
    )
}}

{#- One row per bill of an episode: the HIS's interim and final bills with their totals, linked to the
    episode (fct_patient_episodes' episode_id) by the visit number, so that billing -> claim and billing ->
    patient payment can be reconciled. A bill is final when any of its messages says so. The bill's net
    total is its charges less its credits plus its adjustments; its balance due is that less its payments
    (int_charge_lines__mapped says what each line does). A bill whose visit is no open episode is kept, with
    an empty episode_id and its link_status: nothing is dropped. -#}
with

lines as (
    select * from {{ ref('int_charge_lines__mapped') }}
),

bills as (
    select
        tenant_id,
        sender,
        bill_number,
        visit_number,
        min(episode_id) as episode_id,
        min(link_status) as link_status,
        min(episode_type) as episode_type,
        min(branch_id) as branch_id,
        min(patient_id) as patient_id,
        argMax(mrn, (message_time, message_id, line_number)) as patient_mrn,
        if(countIf(bill_kind = 'final') > 0, 'final', 'interim') as bill_kind,
        uniqExact(message_id) as message_count,
        count() as line_count,
        countIf(is_service_line and is_service_mapped) as mapped_line_count,
        countIf(is_service_line and not is_service_mapped) as unmapped_line_count,
        sumIf(amount_paise, transaction_type = 'CG') as charges_paise,
        sumIf(abs(amount_paise), transaction_type = 'CD') as credits_paise,
        sumIf(abs(amount_paise), transaction_type = 'PY') as payments_paise,
        sumIf(amount_paise, transaction_type = 'AJ') as adjustments_paise,
        sum(bill_effect_paise) as net_total_paise,
        min(transaction_time) as first_transaction_at,
        max(transaction_time) as last_transaction_at,
        max(message_time) as billed_at,
        argMax(wire_format, (message_time, message_id, line_number)) as wire_format
    from lines
    group by tenant_id, sender, bill_number, visit_number
),

sequenced as (
    select
        *,
        row_number() over (
            partition by tenant_id, visit_number order by billed_at asc, bill_number asc
        ) as bill_seq
    from bills
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(episode_id as String) as episode_id,
        cast(link_status as String) as link_status,
        cast(visit_number as String) as visit_number,
        cast(episode_type as String) as episode_type,
        cast(branch_id as String) as branch_id,
        cast(patient_id as String) as patient_id,
        cast(patient_mrn as String) as patient_mrn,
        cast(sender as String) as sender,
        cast(bill_number as String) as bill_number,
        cast(bill_kind as String) as bill_kind,
        cast(bill_seq as Int64) as bill_seq,
        cast(message_count as Int64) as message_count,
        cast(line_count as Int64) as line_count,
        cast(mapped_line_count as Int64) as mapped_line_count,
        cast(unmapped_line_count as Int64) as unmapped_line_count,
        cast(charges_paise as Int64) as charges_paise,
        cast(credits_paise as Int64) as credits_paise,
        cast(payments_paise as Int64) as payments_paise,
        cast(adjustments_paise as Int64) as adjustments_paise,
        cast(net_total_paise as Int64) as net_total_paise,
        cast(net_total_paise - payments_paise as Int64) as balance_due_paise,
        cast(first_transaction_at as DateTime64(3, 'UTC')) as first_transaction_at,
        cast(last_transaction_at as DateTime64(3, 'UTC')) as last_transaction_at,
        cast(billed_at as DateTime64(3, 'UTC')) as billed_at,
        cast(billed_at as DateTime64(3, 'Asia/Kolkata')) as billed_at_ist,
        cast(wire_format as String) as wire_format
    from sequenced
    order by tenant_id, sender, bill_number, visit_number
)

select * from final
