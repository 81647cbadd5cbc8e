with

source as (
    {{ committed_rows(source('razorpay', 'razorpay_settlement_lines')) }}
),

renamed as (
    select
        'razorpay' as gateway,
        {{ settlement_line_columns() }},
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
