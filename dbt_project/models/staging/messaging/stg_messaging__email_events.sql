with

source as (
    {{ committed_rows(source('messaging', 'email_events')) }}
),

renamed as (
    select
        {{ status_history_renamed('email', 'sendgrid') }},
        event_id,
        sg_message_id,
        bounce_type,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
