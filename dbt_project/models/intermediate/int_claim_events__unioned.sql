{#- Every claim event, whatever brought it (a TPA's export, NHCX), in one shape: the two staging models have
    the same columns. An event is its natural key (tenant, source, message id): the loader stores a
    redelivery once, and should a copy still come twice (the same event in two loads), the first loaded copy
    is kept and copies_received counts them all. -#}
with

tpa as (
    select {{ claim_event_columns() }}
    from {{ ref('stg_claims__tpa_events') }}
),

nhcx as (
    select {{ claim_event_columns() }}
    from {{ ref('stg_claims__nhcx_events') }}
),

unioned as (
    select * from tpa
    union all
    select * from nhcx
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, source, message_id
            order by loaded_at asc, batch_id asc, source_line asc
        ) as copy_rank,
        count() over (partition by tenant_id, source, message_id) as copies_received
    from unioned
),

final as (
    select
        {{ claim_event_columns() }},
        copies_received
    from ranked
    where copy_rank = 1
)

select * from final
