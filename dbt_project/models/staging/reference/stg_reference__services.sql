with

source as (
    {{ committed_rows(source('reference', 'reference_services')) }}
),

renamed as (
    select
        tenant_id,
        service_code,
        service_id,
        service_name,
        fee_paise,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
