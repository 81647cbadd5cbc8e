with

source as (
    select * from {{ source('booking', 'booking_events') }}
),

renamed as (
    select
        event_id,
        event_type,
        tenant_id,
        branch_id,
        subject as booking_id,
        event_time as event_at,
        source as event_source,
        specversion as spec_version,
        datacontenttype as data_content_type,
        data as data_json,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
