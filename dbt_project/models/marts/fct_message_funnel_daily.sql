{#- The messaging funnel per branch, channel and template, by the IST day messages were queued. -#}
with

messages as (
    select * from {{ ref('fct_messages') }}
),

daily as (
    select
        tenant_id,
        branch_id,
        channel,
        template,
        queued_date,
        count() as message_count,
        countIf(sent_at is not null) as sent_count,
        countIf(final_status in ('delivered', 'read')) as delivered_count,
        countIf(final_status = 'read') as read_count,
        countIf(final_status = 'failed') as failed_count,
        countIf(final_status = 'suppressed') as suppressed_count,
        sum(cost_paise) as cost_paise
    from messages
    group by tenant_id, branch_id, channel, template, queued_date
),

final as (
    select
        cast(tenant_id as String) as tenant_id,
        cast(branch_id as String) as branch_id,
        cast(channel as String) as channel,
        cast(template as String) as template,
        cast(queued_date as Date) as queued_date,
        cast(message_count as Int64) as message_count,
        cast(sent_count as Int64) as sent_count,
        cast(delivered_count as Int64) as delivered_count,
        cast(read_count as Int64) as read_count,
        cast(failed_count as Int64) as failed_count,
        cast(suppressed_count as Int64) as suppressed_count,
        cast(if(sent_count = 0, null, round(delivered_count / sent_count, 4)) as Nullable(Float64))
            as delivered_rate,
        cast(if(sent_count = 0, null, round(read_count / sent_count, 4)) as Nullable(Float64)) as read_rate,
        cast(if(message_count = 0, null, round(failed_count / message_count, 4)) as Nullable(Float64))
            as failed_rate,
        cast(cost_paise as Int64) as cost_paise,
        -- rounded half up to a whole paisa
        cast(
            if(delivered_count = 0, null, intDiv(2 * cost_paise + delivered_count, 2 * delivered_count))
            as Nullable(Int64)
        ) as cost_per_delivered_paise
    from daily
    order by tenant_id, queued_date, branch_id, channel, template
)

select * from final
