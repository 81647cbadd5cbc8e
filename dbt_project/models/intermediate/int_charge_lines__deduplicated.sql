{#- A message the sender re-sent (the same tenant, sender, control id and line) is one charge line: the first
    copy loaded is kept, and copies_received counts them all. (The loader already stores a natural key once
    per raw table; this also holds when the copies came in different loads of a rebuilt warehouse.) -#}
with

lines as (
    select * from {{ ref('int_charge_lines__unioned') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, sender, message_id, line_number
            order by loaded_at asc, batch_id asc, source_line asc
        ) as copy_rank,
        count() over (partition by tenant_id, sender, message_id, line_number) as copies_received
    from lines
),

final as (
    select
        {{ charge_line_columns() }},
        copies_received
    from ranked
    where copy_rank = 1
)

select * from final
