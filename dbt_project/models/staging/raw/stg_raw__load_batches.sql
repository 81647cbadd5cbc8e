with

source as (
    select * from {{ source('raw', 'load_ledger') }}
),

renamed as (
    select
        _batch_id as batch_id,
        feed,
        source_file,
        content_sha256,
        status as load_status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_skipped as rows_duplicate,
        started_at,
        finished_at as committed_at
    from source
),

final as (
    select * from renamed
)

select * from final
