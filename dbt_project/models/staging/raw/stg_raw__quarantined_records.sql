with

source as (
    {{ committed_rows(source('raw', 'quarantine')) }}
),

renamed as (
    select
        feed,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_line as source_line,
        raw_line,
        reason,
        _quarantined_at as quarantined_at
    from source
),

final as (
    select * from renamed
)

select * from final
