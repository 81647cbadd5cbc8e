with

source as (
    {{ committed_rows(source('messaging', 'whatsapp_message_statuses')) }}
),

renamed as (
    select
        {{ status_history_renamed('whatsapp', 'meta', with_conversation=true) }},
        waba_id,
        phone_number_id,
        recipient_type,
        pricing_model,
        callback_data,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
