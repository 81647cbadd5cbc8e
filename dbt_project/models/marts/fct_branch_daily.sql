{#- Incremental (delete+insert on tenant_id, branch_id, activity_date). Every figure is composed from the
    per-domain models, most of them marts rebuilt on every run (the payments reconciliation, the message
    funnel, the ADT and claims marts), and a late event can change an old day (a delivery status counts on
    the day its message was queued, a refund's processing time on the day it was initiated). So each run
    computes every row and writes only the rows whose figures changed or are new (figures_hash differs):
    a day's row keeps the commit mark of the run that last changed it, and a run writes a few days' rows
    instead of the chain's whole history. A full refresh gives the same rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        unique_key=['tenant_id', 'branch_id', 'activity_date'],
        engine='MergeTree()',
        order_by='(tenant_id, branch_id, activity_date)',
    )
}}

{#- One row per tenant, branch and IST day with the figures of every domain: bookings, money, messaging,
    ADT and claims. Each figure counts on the IST day its fact happened (see the YAML per column). -#}
with

bookings as (
    select * from {{ ref('int_bookings__profiled') }}
),

payments as (
    select * from {{ ref('int_payments__deduplicated') }}
),

refunds as (
    select * from {{ ref('int_refunds__reconciled') }}
),

reconciliation as (
    select * from {{ ref('fct_payment_reconciliation') }}
),

funnel as (
    select * from {{ ref('fct_message_funnel_daily') }}
),

messages as (
    select * from {{ ref('fct_messages') }}
),

adt as (
    select * from {{ ref('fct_branch_daily_adt') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

-- bookings ---------------------------------------------------------------------------------------------

booked as (
    select
        tenant_id,
        branch_id,
        booked_date as activity_date,
        count() as booking_count,
        countIf(is_new_patient) as new_patient_booking_count,
        countIf(visit_type = 'tele') as tele_booking_count,
        sum(fee_paise) as revenue_booked_paise
    from bookings
    group by tenant_id, branch_id, booked_date
),

booked_per_channel as (
    select
        tenant_id,
        branch_id,
        booked_date as activity_date,
        channel,
        toInt64(count()) as channel_booking_count
    from bookings
    group by tenant_id, branch_id, booked_date, channel
),

booked_by_channel as (
    select
        tenant_id,
        branch_id,
        activity_date,
        mapFromArrays(
            arraySort(groupArray(channel)),
            arraySort((n, c) -> c, groupArray(channel_booking_count), groupArray(channel))
        ) as booking_count_by_channel
    from booked_per_channel
    group by tenant_id, branch_id, activity_date
),

cancelled as (
    select
        tenant_id,
        branch_id,
        assumeNotNull(cancelled_date) as activity_date,
        count() as cancellation_count
    from bookings
    where cancelled_date is not null
    group by tenant_id, branch_id, activity_date
),

ended as (
    select
        tenant_id,
        branch_id,
        assumeNotNull(outcome_date) as activity_date,
        countIf(outcome = 'completed') as completed_visit_count,
        countIf(outcome = 'no_show') as no_show_count,
        sumIf(fee_paise, outcome = 'completed') as visit_revenue_paise
    from bookings
    where outcome != ''
    group by tenant_id, branch_id, activity_date
),

-- money ------------------------------------------------------------------------------------------------

-- a duplicate capture of a paid order is refunded at once: it is not money collected
collected as (
    select
        tenant_id,
        branch_id,
        captured_date as activity_date,
        sum(amount_paise) as collected_paise,
        sumIf(amount_paise, purpose = 'deposit') as deposit_collected_paise
    from payments
    where not is_duplicate and not is_capture_mismatched
    group by tenant_id, branch_id, captured_date
),

refunded as (
    select
        refunds.tenant_id as tenant_id,
        refunds.branch_id as branch_id,
        refunds.initiated_date as activity_date,
        count() as refund_count,
        sum(refunds.amount_paise) as refunded_paise,
        quantileExactIf(0.5)(  -- noqa: LT01
            dateDiff('second', refunds.initiated_at, refunds.gateway_refund_processed_at) / 3600,
            refunds.gateway_refund_processed_at is not null
        ) as refund_hours_median,
        countIf(refunds.gateway_refund_processed_at is not null) as processed_refund_count
    from refunds
    left join payments
        on
            refunds.tenant_id = payments.tenant_id
            and refunds.payment_id = payments.payment_id
    -- the refund of a duplicate capture gives back money that was never counted as collected
    where not coalesce(payments.is_duplicate, false)
    group by tenant_id, branch_id, activity_date
),

credited as (
    select
        tenant_id,
        branch_id,
        assumeNotNull(bank_credit_date) as activity_date,
        count() as bank_credited_payment_count,
        quantileExact(0.5)(delay_days) as settlement_delay_days_p50,  -- noqa: LT01
        quantileExact(0.9)(delay_days) as settlement_delay_days_p90  -- noqa: LT01
    from (
        select
            *,
            dateDiff('day', event_date, assumeNotNull(bank_credit_date)) as delay_days
        from reconciliation
        where entity_type = 'payment' and bank_credit_date is not null
    ) as credited_payments
    group by tenant_id, branch_id, activity_date
),

exceptions as (
    select
        tenant_id,
        branch_id,
        event_date as activity_date,
        count() as open_exception_count,
        sum(greatest(booked_amount_paise, coalesce(gateway_amount_paise, 0))) as open_exception_paise,
        any(aging_bucket) as exception_aging_bucket
    from reconciliation
    where status not in ('matched', 'in_transit')
    group by tenant_id, branch_id, event_date
),

-- messaging --------------------------------------------------------------------------------------------

queued as (
    select
        tenant_id,
        branch_id,
        queued_date as activity_date,
        sum(message_count) as message_count,
        sum(sent_count) as message_sent_count,
        sum(delivered_count) as message_delivered_count,
        sum(read_count) as message_read_count,
        sum(cost_paise) as message_cost_paise
    from funnel
    group by tenant_id, branch_id, queued_date
),

reminders as (
    {{ booking_reminders('messages') }}
),

reminded as (
    select
        bookings.tenant_id as tenant_id,
        bookings.branch_id as branch_id,
        bookings.slot_date as activity_date,
        countIf(reminders.reminder_status = 'delivered') as reminded_outcome_count,
        countIf(
            reminders.reminder_status = 'delivered' and bookings.outcome = 'no_show'
        ) as reminded_no_show_count,
        countIf(coalesce(reminders.reminder_status, '') != 'delivered') as unreminded_outcome_count,
        countIf(
            coalesce(reminders.reminder_status, '') != 'delivered' and bookings.outcome = 'no_show'
        ) as unreminded_no_show_count
    from bookings
    left join reminders
        on
            bookings.tenant_id = reminders.tenant_id
            and bookings.booking_id = reminders.booking_id
    where bookings.outcome != ''
    group by tenant_id, branch_id, activity_date
),

-- claims -----------------------------------------------------------------------------------------------

submitted as (
    select
        tenant_id,
        branch_id,
        {{ ist_date('assumeNotNull(submitted_at)') }} as activity_date,
        count() as claims_submitted_count
    from claims
    where submitted_at is not null
    group by tenant_id, branch_id, activity_date
),

decided as (
    select
        tenant_id,
        branch_id,
        {{ ist_date('assumeNotNull(decided_at)') }} as activity_date,
        countIf(approved_paise > 0) as claims_approved_count,
        countIf(approved_paise = 0) as claims_denied_count,
        avg(
            dateDiff('second', assumeNotNull(submitted_at), assumeNotNull(decided_at)) / 3600
        ) as adjudication_hours_avg
    from claims
    where decided_at is not null and submitted_at is not null
    group by tenant_id, branch_id, activity_date
),

settled as (
    select
        tenant_id,
        branch_id,
        {{ ist_date('assumeNotNull(settled_at)') }} as activity_date,
        count() as claims_settled_count,
        sum(paid_paise) as claims_paid_paise,
        avg(
            dateDiff('second', assumeNotNull(submitted_at), assumeNotNull(settled_at)) / 86400
        ) as settlement_days_avg
    from claims
    where settled_at is not null and submitted_at is not null
    group by tenant_id, branch_id, activity_date
),

days as (
    select
        tenant_id,
        branch_id,
        activity_date
    from booked
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from cancelled
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from ended
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from collected
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from refunded
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from credited
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from exceptions
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from queued
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from reminded
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from adt
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from submitted
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from decided
    union distinct
    select
        tenant_id,
        branch_id,
        activity_date
    from settled
),

joined as (
    select
        days.tenant_id as tenant_id,
        days.branch_id as branch_id,
        days.activity_date as activity_date,
        -- bookings
        coalesce(booked.booking_count, 0) as booking_count,
        coalesce(booked.new_patient_booking_count, 0) as new_patient_booking_count,
        coalesce(booked.tele_booking_count, 0) as tele_booking_count,
        coalesce(booked_by_channel.booking_count_by_channel, map()) as booking_count_by_channel,
        coalesce(cancelled.cancellation_count, 0) as cancellation_count,
        coalesce(ended.completed_visit_count, 0) as completed_visit_count,
        coalesce(ended.no_show_count, 0) as no_show_count,
        coalesce(ended.visit_revenue_paise, 0) as visit_revenue_paise,
        -- money
        coalesce(booked.revenue_booked_paise, 0) as revenue_booked_paise,
        coalesce(collected.collected_paise, 0) as collected_paise,
        coalesce(collected.deposit_collected_paise, 0) as deposit_collected_paise,
        coalesce(refunded.refund_count, 0) as refund_count,
        coalesce(refunded.refunded_paise, 0) as refunded_paise,
        if(coalesce(refunded.processed_refund_count, 0) > 0, refunded.refund_hours_median, null)
            as refund_hours_median,
        coalesce(credited.bank_credited_payment_count, 0) as bank_credited_payment_count,
        if(coalesce(credited.bank_credited_payment_count, 0) > 0, credited.settlement_delay_days_p50, null)
            as settlement_delay_days_p50,
        if(coalesce(credited.bank_credited_payment_count, 0) > 0, credited.settlement_delay_days_p90, null)
            as settlement_delay_days_p90,
        coalesce(exceptions.open_exception_count, 0) as open_exception_count,
        coalesce(exceptions.open_exception_paise, 0) as open_exception_paise,
        coalesce(exceptions.exception_aging_bucket, '') as exception_aging_bucket,
        -- messaging
        coalesce(queued.message_count, 0) as message_count,
        coalesce(queued.message_sent_count, 0) as message_sent_count,
        coalesce(queued.message_delivered_count, 0) as message_delivered_count,
        coalesce(queued.message_read_count, 0) as message_read_count,
        coalesce(queued.message_cost_paise, 0) as message_cost_paise,
        coalesce(reminded.reminded_outcome_count, 0) as reminded_outcome_count,
        coalesce(reminded.reminded_no_show_count, 0) as reminded_no_show_count,
        coalesce(reminded.unreminded_outcome_count, 0) as unreminded_outcome_count,
        coalesce(reminded.unreminded_no_show_count, 0) as unreminded_no_show_count,
        -- ADT
        coalesce(adt.admission_count, 0) as admission_count,
        coalesce(adt.discharge_count, 0) as discharge_count,
        adt.avg_length_of_stay_days as avg_length_of_stay_days,
        coalesce(adt.bed_days, 0) as bed_days,
        -- claims
        coalesce(submitted.claims_submitted_count, 0) as claims_submitted_count,
        coalesce(decided.claims_approved_count, 0) as claims_approved_count,
        coalesce(decided.claims_denied_count, 0) as claims_denied_count,
        if(
            coalesce(decided.claims_approved_count, 0) + coalesce(decided.claims_denied_count, 0) > 0,
            decided.adjudication_hours_avg,
            null
        ) as adjudication_hours_avg,
        coalesce(settled.claims_settled_count, 0) as claims_settled_count,
        coalesce(settled.claims_paid_paise, 0) as claims_paid_paise,
        if(coalesce(settled.claims_settled_count, 0) > 0, settled.settlement_days_avg, null)
            as settlement_days_avg
    from days
    left join booked using (tenant_id, branch_id, activity_date)
    left join booked_by_channel using (tenant_id, branch_id, activity_date)
    left join cancelled using (tenant_id, branch_id, activity_date)
    left join ended using (tenant_id, branch_id, activity_date)
    left join collected using (tenant_id, branch_id, activity_date)
    left join refunded using (tenant_id, branch_id, activity_date)
    left join credited using (tenant_id, branch_id, activity_date)
    left join exceptions using (tenant_id, branch_id, activity_date)
    left join queued using (tenant_id, branch_id, activity_date)
    left join reminded using (tenant_id, branch_id, activity_date)
    left join adt using (tenant_id, branch_id, activity_date)
    left join submitted using (tenant_id, branch_id, activity_date)
    left join decided using (tenant_id, branch_id, activity_date)
    left join settled using (tenant_id, branch_id, activity_date)
),

{% set rate = "cast(if(({d}) > 0, round({n} / ({d}), 4), null) as Nullable(Float64))" %}

figures as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(branch_id as String) as branch_id,
        cast(activity_date as Date) as activity_date,
        cast(booking_count as Int64) as booking_count,
        cast(new_patient_booking_count as Int64) as new_patient_booking_count,
        cast(booking_count - new_patient_booking_count as Int64) as repeat_patient_booking_count,
        cast(tele_booking_count as Int64) as tele_booking_count,
        {{ rate.format(n='tele_booking_count', d='booking_count') }} as tele_booking_share,
        cast(booking_count_by_channel as Map(String, Int64)) as booking_count_by_channel,
        cast(cancellation_count as Int64) as cancellation_count,
        cast(completed_visit_count as Int64) as completed_visit_count,
        cast(no_show_count as Int64) as no_show_count,
        {{ rate.format(n='no_show_count', d='completed_visit_count + no_show_count') }} as no_show_rate,
        cast(visit_revenue_paise as Int64) as visit_revenue_paise,
        cast(revenue_booked_paise as Int64) as revenue_booked_paise,
        cast(collected_paise as Int64) as collected_paise,
        cast(deposit_collected_paise as Int64) as deposit_collected_paise,
        cast(refund_count as Int64) as refund_count,
        cast(refunded_paise as Int64) as refunded_paise,
        cast(round(refund_hours_median, 2) as Nullable(Float64)) as refund_hours_median,
        cast(bank_credited_payment_count as Int64) as bank_credited_payment_count,
        cast(settlement_delay_days_p50 as Nullable(Int64)) as settlement_delay_days_p50,
        cast(settlement_delay_days_p90 as Nullable(Int64)) as settlement_delay_days_p90,
        cast(open_exception_count as Int64) as open_exception_count,
        cast(open_exception_paise as Int64) as open_exception_paise,
        cast(exception_aging_bucket as String) as exception_aging_bucket,
        cast(message_count as Int64) as message_count,
        cast(message_sent_count as Int64) as message_sent_count,
        cast(message_delivered_count as Int64) as message_delivered_count,
        cast(message_read_count as Int64) as message_read_count,
        {{ rate.format(n='message_delivered_count', d='message_sent_count') }} as message_delivery_rate,
        {{ rate.format(n='message_read_count', d='message_sent_count') }} as message_read_rate,
        cast(message_cost_paise as Int64) as message_cost_paise,
        cast(reminded_outcome_count as Int64) as reminded_outcome_count,
        cast(reminded_no_show_count as Int64) as reminded_no_show_count,
        cast(unreminded_outcome_count as Int64) as unreminded_outcome_count,
        cast(unreminded_no_show_count as Int64) as unreminded_no_show_count,
        cast(admission_count as Int64) as admission_count,
        cast(discharge_count as Int64) as discharge_count,
        cast(avg_length_of_stay_days as Nullable(Float64)) as avg_length_of_stay_days,
        cast(bed_days as Int64) as bed_days,
        cast(claims_submitted_count as Int64) as claims_submitted_count,
        cast(claims_approved_count as Int64) as claims_approved_count,
        cast(claims_denied_count as Int64) as claims_denied_count,
        cast(round(adjudication_hours_avg, 2) as Nullable(Float64)) as adjudication_hours_avg,
        cast(claims_settled_count as Int64) as claims_settled_count,
        cast(claims_paid_paise as Int64) as claims_paid_paise,
        cast(round(settlement_days_avg, 2) as Nullable(Float64)) as settlement_days_avg
    from joined
),

final as (
    select
        *,
        sipHash64(formatRowNoNewline('TabSeparated', *)) as figures_hash,  -- noqa
        assumeNotNull({{ batches_committed_through() }}) as batches_committed_through
    from figures
),

{% if is_incremental() %}

-- only the rows whose figures changed, or are new
changed as (
    select final.*
    from final
    left anti join {{ this }} as done
        on
            final.tenant_id = done.tenant_id
            and final.branch_id = done.branch_id
            and final.activity_date = done.activity_date
            and final.figures_hash = done.figures_hash
),

{% else %}

changed as (
    select * from final
),

{% endif %}

ordered as (
    select * from changed
    order by tenant_id, branch_id, activity_date
)

select * from ordered
