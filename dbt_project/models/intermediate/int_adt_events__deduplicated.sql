{#- A message the sender re-sent (the same tenant, sender and control id, e.g. no ACK reached it in time) is
    one event: the first copy loaded is kept, and copies_received counts them all. -#}
with

events as (
    select * from {{ ref('int_adt_events__unioned') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, sender, message_id
            order by loaded_at, batch_id, source_line
        ) as copy_rank,
        count() over (partition by tenant_id, sender, message_id) as copies_received
    from events
),

final as (
    select
        {{ adt_event_columns() }},
        copies_received
    from ranked
    where copy_rank = 1
)

select * from final
