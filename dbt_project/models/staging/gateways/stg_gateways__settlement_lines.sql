with

source as (
    {{ committed_rows(source('gateways', 'gateway_settlement_lines')) }}
),

renamed as (
    select
        gateway,
        {{ settlement_line_columns() }},
        profile as source_profile,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
