with

source as (
    {{ committed_rows(source('claims', 'claims_documents')) }}
),

renamed as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        document_kind,
        file_name,
        content_type,
        size_bytes,
        sha256,
        attached_at,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
