with

source as (
    {{ committed_rows(source('reference', 'reference_message_rates')) }}
),

renamed as (
    select
        tenant_id,
        lower(channel) as channel,
        lower(provider) as provider,
        lower(pricing_category) as pricing_category,
        lower(unit) as unit,
        rate_paise,
        valid_from,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
