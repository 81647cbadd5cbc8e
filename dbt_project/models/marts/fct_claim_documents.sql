{#- The documents each pre-auth request and claim submission was filed with, from either channel: the insurance
    desk's manifests (claims/documents/*.csv, the files in the data folder) and the documents a claim event
    states (an NHCX ClaimBundle's DocumentReferences). One document is one content: the same file listed in
    the manifest and sent over NHCX is one row (by its SHA-256; by its name when the sender gave no content). -#}
with

manifest as (
    select * from {{ ref('stg_claims__documents') }}
),

events as (
    select * from {{ ref('int_claim_events__unioned') }}
),

listed as (
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
        'manifest' as channel
    from manifest
),

stated as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        event_time as attached_at,
        source as channel,
        JSONExtract(
            documents,
            'Array(Tuple(document_kind String, file_name String, content_type String, size_bytes Int64, '
            || 'sha256 String))'
        ) as document_list
    from events
    where event_type in ('preauth_requested', 'claim_submitted')
),

sent as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        tupleElement(document, 'document_kind') as document_kind,
        tupleElement(document, 'file_name') as file_name,
        tupleElement(document, 'content_type') as content_type,
        tupleElement(document, 'size_bytes') as size_bytes,
        tupleElement(document, 'sha256') as sha256,
        attached_at,
        channel
    from stated
    array join document_list as document
),

unioned as (
    select * from listed
    union all
    select * from sent
),

keyed as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        document_kind,
        if(sha256 != '', sha256, file_name) as document_key,
        file_name as listed_name,
        content_type as listed_type,
        size_bytes as listed_size,
        sha256 as listed_sha256,
        attached_at as listed_at,
        channel
    from unioned
),

final as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        document_kind,
        document_key,
        if(
            countIf(channel = 'manifest') > 0,
            argMinIf(listed_name, listed_at, channel = 'manifest'),
            argMin(listed_name, listed_at)
        ) as file_name,
        argMin(listed_type, listed_at) as content_type,
        argMin(listed_size, listed_at) as size_bytes,
        max(listed_sha256) as sha256,
        min(listed_at) as attached_at,
        arrayStringConcat(arraySort(groupUniqArray(channel)), ',') as channels,
        toUInt8(countIf(channel = 'manifest') > 0) as in_data_folder
    from keyed
    group by tenant_id, claim_id, claim_kind, document_kind, document_key
)

select * from final
