with

source as (
    {{ committed_rows(source('razorpay', 'razorpay_refund_statuses')) }}
),

renamed as (
    select
        tenant_id,
        refund_id,
        checked_at,
        toUInt16(http_status) as http_status,
        answer as gateway_answer,
        nullIf(refund_status, '') as refund_status,
        nullIf(payment_id, '') as payment_id,
        if(answer = 'found', amount, null) as amount_paise,
        nullIf(currency, '') as currency,
        nullIf(arn, '') as arn,
        nullIf(rrn, '') as rrn,
        acquirer_data as acquirer_data_json,
        refund_created_at,
        processed_at,
        nullIf(speed_processed, '') as speed_processed,
        nullIf(error_code, '') as error_code,
        nullIf(error_description, '') as error_description,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
