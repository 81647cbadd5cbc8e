{#- One row per patient message: its lifecycle in the booking service (message.* events) and the
    providers' statuses of it (joined on the provider's message id), reduced by the furthest-status rule,
    and what the provider charges for it by the rate card. -#}
with

lifecycle as (
    select * from {{ ref('stg_booking__messages') }}
),

statuses as (
    select * from {{ ref('int_message_statuses__unioned') }}
),

rates as (
    select * from {{ ref('int_message_rates__deduplicated') }}
),

messages as (
    select
        tenant_id,
        message_id,
        argMinIf(branch_id, (event_at, event_id), lifecycle_step = 'queued') as branch_id,
        argMinIf(patient_id, (event_at, event_id), lifecycle_step = 'queued') as patient_id,
        argMinIf(booking_id, (event_at, event_id), lifecycle_step = 'queued') as booking_id,
        argMinIf(channel, (event_at, event_id), lifecycle_step = 'queued') as channel,
        argMinIf(provider, (event_at, event_id), lifecycle_step = 'queued') as queued_provider,
        argMinIf(template, (event_at, event_id), lifecycle_step = 'queued') as template,
        argMinIf(language, (event_at, event_id), lifecycle_step = 'queued') as language,
        argMinIf(purpose, (event_at, event_id), lifecycle_step = 'queued') as purpose,
        minIf(toNullable(event_at), lifecycle_step = 'queued') as queued_at,
        countIf(lifecycle_step = 'deferred') > 0 as is_deferred,
        countIf(lifecycle_step = 'suppressed') > 0 as is_suppressed,
        minIf(toNullable(coalesce(sent_at, event_at)), lifecycle_step = 'sent') as sent_at,
        argMinIf(provider, (event_at, event_id), lifecycle_step = 'sent') as sent_provider,
        argMinIf(provider_message_id, (event_at, event_id), lifecycle_step = 'sent') as provider_message_id,
        coalesce(trimBoth(provider_message_id, '<>'), '') as join_id,
        argMinIf(segments, (event_at, event_id), lifecycle_step = 'sent') as segments,
        coalesce(
            maxIf(attempt, lifecycle_step in ('sent', 'attempt_failed', 'dead_lettered')), 0
        ) as attempts,
        minIf(toNullable(event_at), lifecycle_step = 'dead_lettered') as dead_lettered_at,
        argMinIf(
            error_code, (event_at, event_id), lifecycle_step = 'dead_lettered'
        ) as dead_letter_error_code,
        argMinIf(reason, (event_at, event_id), lifecycle_step = 'dead_lettered') as dead_letter_reason
    from lifecycle
    group by tenant_id, message_id
    having countIf(lifecycle_step = 'queued') > 0
),

-- each message's statuses, whichever provider reported them (email: SendGrid, for what went out over SMTP);
-- the SMTP Message-ID is compared without its angle brackets, as SendGrid reports it
status_summary as (
    select
        tenant_id,
        channel,
        trimBoth(provider_message_id, '<>') as join_id,
        any(provider) as status_provider,
        max(status_rank) as furthest_rank,
        countIf(status = 'sent') > 0 as has_provider_sent,
        countIf(status = 'failed') > 0 as has_failed,
        minIf(toNullable(status_at), status = 'delivered') as delivered_at,
        minIf(toNullable(status_at), status = 'read') as read_at,
        minIf(toNullable(status_at), status = 'failed') as failed_at,
        argMinIf(error_code, (status_at, provider_status), status = 'failed') as failed_error_code,
        argMinIf(error_title, (status_at, provider_status), status = 'failed') as failed_error_title,
        countIf(pricing_billable) > 0 as is_billable,
        argMinIf(pricing_category, (status_at, provider_status), pricing_billable) as pricing_category
    from statuses
    where provider_message_id != ''
    group by tenant_id, channel, join_id
),

joined as (
    select
        messages.*,
        coalesce(status_summary.join_id, '') != '' as has_statuses,
        status_summary.status_provider as status_provider,
        status_summary.furthest_rank as furthest_rank,
        status_summary.has_provider_sent as has_provider_sent,
        status_summary.has_failed as has_failed,
        status_summary.delivered_at as delivered_at,
        status_summary.read_at as read_at,
        status_summary.failed_at as status_failed_at,
        status_summary.failed_error_code as failed_error_code,
        status_summary.failed_error_title as failed_error_title,
        status_summary.is_billable as is_billable,
        status_summary.pricing_category as pricing_category
    from messages
    left join status_summary
        on
            messages.tenant_id = status_summary.tenant_id
            and messages.channel = status_summary.channel
            and messages.join_id = status_summary.join_id
),

-- the furthest-status rule: read > delivered from any status; failed only when nothing reached delivered
-- (a provider's failure or a dead letter); sent when the provider took it; never sent: suppressed (opt-out)
-- or still queued
statused as (
    select
        *,
        multiIf(
            is_suppressed and sent_at is null, 'suppressed',
            has_statuses and furthest_rank >= 3, 'read',
            has_statuses and furthest_rank = 2, 'delivered',
            (has_statuses and has_failed) or dead_lettered_at is not null, 'failed',
            sent_at is not null or (has_statuses and has_provider_sent), 'sent',
            'queued'
        ) as final_status,
        -- what the provider bills: a WhatsApp message a status said is billable (by its pricing category),
        -- an SMS per segment, an email per message; nothing for what was never sent
        multiIf(
            sent_at is null, toInt64(0),
            channel = 'whatsapp', toInt64(has_statuses and is_billable),
            channel = 'sms', toInt64(coalesce(segments, 1)),
            toInt64(1)
        ) as billed_units,
        if(channel = 'whatsapp' and has_statuses, coalesce(pricing_category, ''), '') as rate_category,
        {{ ist_date('coalesce(sent_at, queued_at)') }} as rate_date
    from joined
),

rated as (
    select
        statused.tenant_id as tenant_id,
        statused.message_id as message_id,
        toNullable(argMax(rates.rate_paise, rates.valid_from)) as rate_paise
    from statused
    inner join rates
        on
            statused.tenant_id = rates.tenant_id
            and statused.channel = rates.channel
            and statused.rate_category = rates.pricing_category
    where statused.billed_units > 0 and rates.valid_from <= statused.rate_date
    group by statused.tenant_id, statused.message_id
),

final as (
    select
        cast(statused.tenant_id as String) as tenant_id,
        cast(statused.message_id as String) as message_id,
        cast(coalesce(statused.branch_id, '') as String) as branch_id,
        cast(statused.patient_id as Nullable(String)) as patient_id,
        cast(statused.booking_id as Nullable(String)) as booking_id,
        cast(coalesce(statused.channel, '') as String) as channel,
        cast(
            if(
                statused.has_statuses,
                statused.status_provider,
                coalesce(statused.sent_provider, statused.queued_provider, '')
            ) as String
        ) as provider,
        cast(coalesce(statused.template, '') as String) as template,
        cast(coalesce(statused.language, '') as String) as language,
        cast(coalesce(statused.purpose, '') as String) as purpose,
        cast(statused.provider_message_id as Nullable(String)) as provider_message_id,
        cast(statused.final_status as String) as final_status,
        cast(statused.queued_at as DateTime64(3, 'UTC')) as queued_at,
        cast({{ ist_date('statused.queued_at') }} as Date) as queued_date,
        cast(statused.sent_at as Nullable(DateTime64(3, 'UTC'))) as sent_at,
        cast(
            if(statused.has_statuses, statused.delivered_at, null) as Nullable(DateTime64(3, 'UTC'))
        ) as delivered_at,
        cast(
            if(statused.has_statuses, statused.read_at, null) as Nullable(DateTime64(3, 'UTC'))
        ) as read_at,
        cast(
            if(
                statused.has_statuses and statused.status_failed_at is not null,
                statused.status_failed_at,
                statused.dead_lettered_at
            ) as Nullable(DateTime64(3, 'UTC'))
        ) as failed_at,
        cast(
            if(
                statused.final_status != 'failed', null,
                if(
                    statused.has_statuses and statused.has_failed,
                    statused.failed_error_code,
                    statused.dead_letter_error_code
                )
            ) as Nullable(String)
        ) as error_code,
        cast(
            if(
                statused.final_status != 'failed', null,
                if(
                    statused.has_statuses and statused.has_failed,
                    statused.failed_error_title,
                    concat('dead-lettered: ', coalesce(statused.dead_letter_reason, ''))
                )
            ) as Nullable(String)
        ) as failure_reason,
        cast(statused.is_deferred as Bool) as is_deferred,
        cast(statused.attempts as Int64) as attempts,
        cast(greatest(statused.attempts - 1, 0) as Int64) as retries,
        cast(statused.segments as Nullable(Int64)) as sms_segments,
        cast(nullIf(statused.rate_category, '') as Nullable(String)) as pricing_category,
        cast(statused.billed_units as Int64) as billed_units,
        cast(rated.rate_paise as Nullable(Int64)) as rate_paise,
        cast(statused.billed_units * coalesce(rated.rate_paise, 0) as Int64) as cost_paise,
        cast(
            if(
                statused.sent_at is null, null,
                toInt64(dateDiff('millisecond', statused.queued_at, statused.sent_at)) / 1000
            ) as Nullable(Float64)
        ) as queued_to_sent_seconds,
        cast(
            if(
                statused.sent_at is null or not statused.has_statuses or statused.delivered_at is null, null,
                toInt64(dateDiff('millisecond', statused.sent_at, statused.delivered_at)) / 1000
            ) as Nullable(Float64)
        ) as sent_to_delivered_seconds
    from statused
    left join rated
        on
            statused.tenant_id = rated.tenant_id
            and statused.message_id = rated.message_id
    order by tenant_id, queued_at, message_id
)

select * from final
