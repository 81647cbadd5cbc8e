{#- What each pre-auth request or claim submission lacked: one row per required document not attached by
    the time it was requested (the kind's first preauth_requested or claim_submitted event). A document is
    required when the claim's insurer's row of reference/claim_document_requirements.csv says so, else the
    default row (insurer ''); an insurer's required = 0 waives the default. Documents count for the request
    they were filed with (a pre-auth's ID proof is not the claim's). -#}
with

events as (
    select * from {{ ref('int_claim_events__unioned') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

requirements as (
    select * from {{ ref('int_claim_document_requirements__deduplicated') }}
),

documents as (
    select * from {{ ref('fct_claim_documents') }}
),

requests as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        min(event_time) as requested_at
    from events
    where event_type in ('preauth_requested', 'claim_submitted')
    group by tenant_id, claim_id, claim_kind
),

requested as (
    select
        requests.tenant_id as tenant_id,
        requests.claim_id as claim_id,
        requests.claim_kind as claim_kind,
        requests.requested_at as requested_at,
        claims.insurer as insurer,
        claims.tpa as tpa,
        claims.branch_id as branch_id
    from requests
    inner join claims
        on requests.tenant_id = claims.tenant_id and requests.claim_id = claims.claim_id
),

applicable as (
    select
        requested.tenant_id as tenant_id,
        requested.claim_id as claim_id,
        requested.claim_kind as claim_kind,
        requirements.document_kind as document_kind,
        any(requested.requested_at) as requested_at,
        any(requested.insurer) as insurer,
        any(requested.tpa) as tpa,
        any(requested.branch_id) as branch_id,
        argMax(requirements.required, requirements.insurer != '') as required,
        if(max(requirements.insurer != ''), 'insurer', 'default') as requirement_source
    from requested
    inner join requirements
        on requested.tenant_id = requirements.tenant_id and requested.claim_kind = requirements.claim_kind
    where requirements.insurer in ('', requested.insurer)
    group by requested.tenant_id, requested.claim_id, requested.claim_kind, requirements.document_kind
),

attached as (
    select
        tenant_id,
        claim_id,
        claim_kind,
        document_kind,
        min(attached_at) as first_attached_at,
        toUInt8(1) as found
    from documents
    group by tenant_id, claim_id, claim_kind, document_kind
),

final as (
    select
        applicable.tenant_id as tenant_id,
        applicable.claim_id as claim_id,
        applicable.claim_kind as claim_kind,
        applicable.document_kind as document_kind,
        applicable.insurer as insurer,
        applicable.tpa as tpa,
        applicable.branch_id as branch_id,
        applicable.requested_at as requested_at,
        applicable.requirement_source as requirement_source,
        if(attached.found = 1, attached.first_attached_at, null) as first_attached_at,
        if(attached.found = 1, 'attached_late', 'missing') as status
    from applicable
    left join attached
        on
            applicable.tenant_id = attached.tenant_id
            and applicable.claim_id = attached.claim_id
            and applicable.claim_kind = attached.claim_kind
            and applicable.document_kind = attached.document_kind
    where
        applicable.required = 1
        and (attached.found = 0 or attached.first_attached_at > applicable.requested_at)
)

select * from final
