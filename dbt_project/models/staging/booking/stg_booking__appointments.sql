with

source as (
    {{ committed_rows(source('booking', 'booking_events')) }}
),

renamed as (
    select
        event_id,
        tenant_id,
        if(
            JSONExtractString(data, 'booking_id') != '', JSONExtractString(data, 'booking_id'), subject
        ) as booking_id,
        if(
            JSONExtractString(data, 'branch_id') != '', JSONExtractString(data, 'branch_id'), branch_id
        ) as branch_id,
        JSONExtractString(data, 'patient_id') as patient_id,
        JSONExtractString(data, 'doctor_id') as doctor_id,
        parseDateTime64BestEffortOrNull(JSONExtractString(data, 'slot_start'), 3, 'UTC') as slot_start_at,
        JSONExtractString(data, 'visit_type') as visit_type,
        JSONExtractInt(data, 'fee_paise') as fee_paise,
        -- events older than demand channels carry neither code: a portal booking of no campaign
        if(
            JSONExtractString(data, 'channel') != '', JSONExtractString(data, 'channel'), 'portal'
        ) as channel,
        JSONExtractString(data, 'campaign') as campaign,
        event_time as booked_at,
        {{ load_metadata() }}
    from source
    where event_type = 'appointment.booked'
),

final as (
    select * from renamed
)

select * from final
