with

source as (
    {{ committed_rows(source('messaging', 'sms_delivery_reports')) }}
),

renamed as (
    select
        {{ status_history_renamed('sms', 'msg91') }},
        status_code,
        sender_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
