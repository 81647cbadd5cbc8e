with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        JSONExtractString(data, 'payment_id') as payment_id,
        JSONExtractString(data, 'order_id') as order_id,
        if(
            JSONExtractString(data, 'booking_id') != '', JSONExtractString(data, 'booking_id'), subject
        ) as booking_id,
        JSONExtractString(data, 'patient_id') as patient_id,
        if(
            JSONExtractString(data, 'branch_id') != '', JSONExtractString(data, 'branch_id'), branch_id
        ) as branch_id,
        multiIf(
            event_type = 'payment.deposit.paid', 'deposit',
            event_type = 'payment.balance.paid', 'balance',
            JSONExtractString(data, 'purpose')
        ) as purpose,
        -- booked: what the order asked for (a paid event's capture equals its order's amount)
        if(
            event_type = 'payment.capture.mismatched',
            JSONExtractInt(data, 'order_amount_paise'),
            JSONExtractInt(data, 'amount_paise')
        ) as amount_paise,
        if(
            event_type = 'payment.capture.mismatched',
            JSONExtractString(data, 'order_currency'),
            JSONExtractString(data, 'currency')
        ) as currency,
        JSONExtractInt(data, 'amount_paise') as captured_amount_paise,
        JSONExtractString(data, 'currency') as captured_currency,
        event_type = 'payment.capture.mismatched' as is_capture_mismatched,
        lower(JSONExtractString(data, 'method')) as method,
        if(
            JSONExtractString(data, 'gateway') != '', lower(JSONExtractString(data, 'gateway')), 'razorpay'
        ) as gateway,
        coalesce(
            parseDateTime64BestEffortOrNull(JSONExtractString(data, 'captured_at'), 3, 'UTC'), event_time
        ) as captured_at,
        event_time as event_at,
        {{ load_metadata() }}
    from source
    where event_type in ('payment.deposit.paid', 'payment.balance.paid', 'payment.capture.mismatched')
),

final as (
    select * from renamed
)

select * from final
