{#- Every gateway's settlement lines in one relation: Razorpay's and the other gateways' (same columns). A
    Dashboard download's `settlement` summary rows are left out here: they summarise a settlement and are
    no line of money. -#}
with

razorpay_lines as (
    select * from {{ ref('stg_razorpay__settlement_lines') }}
),

other_gateway_lines as (
    select * except (source_profile) from {{ ref('stg_gateways__settlement_lines') }}
),

unioned as (
    select * from razorpay_lines
    union all
    select * from other_gateway_lines
),

final as (
    select * from unioned
    where line_type != 'settlement'
)

select * from final
