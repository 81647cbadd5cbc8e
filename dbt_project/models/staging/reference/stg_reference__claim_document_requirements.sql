with

source as (
    {{ committed_rows(source('reference', 'reference_claim_document_requirements')) }}
),

renamed as (
    select
        tenant_id,
        insurer,
        claim_kind,
        document_kind,
        required,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
