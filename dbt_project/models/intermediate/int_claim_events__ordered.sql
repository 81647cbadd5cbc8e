{#- Each claim's events in the order ingestion/claims_state.py folds them: event time, then the lifecycle's
    order of the event types, then source and message id; never load time, so a late event takes its place
    by when it happened. Beside each event, what the fold knows after it: the state it leaves the claim in
    (a remittance line leaves it unchanged; an answer with another query still open leaves it
    query_pending), the open queries (an answer never takes them below 0), the requested amount so far and,
    on a decision, the amounts it decides (a denial approves 0). -#}
{%- set state_after = claim_state_after() %}
with

events as (
    select
        *,
        {{ claim_event_rank('event_type') }} as event_rank,
        multiIf(event_type = 'query_raised', 1, event_type = 'query_answered', -1, 0) as query_step
    from {{ ref('int_claim_events__unioned') }}
),

sequenced as (
    select
        *,
        row_number() over claim_order as event_seq,
        sum(query_step) over claim_so_far as query_balance,
        last_value(
            if(
                event_type in ('preauth_requested', 'claim_submitted') and requested_paise is not null,
                requested_paise,
                null
            )
        ) over claim_so_far as requested_stated_paise,
        leadInFrame(toNullable(event_time), 1, null) over claim_whole as next_event_time
    from events
    window
        claim_order as (
            partition by tenant_id, claim_id order by event_time, event_rank, source, message_id
        ),
        claim_so_far as (
            partition by tenant_id, claim_id order by event_time, event_rank, source, message_id
            rows between unbounded preceding and current row
        ),
        claim_whole as (
            partition by tenant_id, claim_id order by event_time, event_rank, source, message_id
            rows between unbounded preceding and unbounded following
        )
),

queries as (
    select
        *,
        -- a running count that an answer never takes below 0: the balance less its lowest point so far
        query_balance - least(0, min(query_balance) over claim_so_far) as open_queries_after,
        coalesce(requested_stated_paise, 0) as requested_so_far_paise
    from sequenced
    window claim_so_far as (
        partition by tenant_id, claim_id order by event_seq rows between unbounded preceding and current row
    )
),

decided as (
    select
        *,
        multiIf(
            event_type = 'query_answered' and open_queries_after > 0, 'query_pending',
            {%- for event, state in state_after.items() %}
            event_type = '{{ event }}', '{{ state }}',
            {%- endfor %}
            null
        ) as own_state,
        coalesce(requested_paise, requested_so_far_paise) as decision_requested_paise
    from queries
),

final as (
    select
        tenant_id,
        claim_id,
        event_seq,
        source,
        message_id,
        claim_kind,
        event_type,
        event_rank,
        event_time,
        next_event_time,
        insurer,
        tpa,
        branch_id,
        visit_number,
        requested_paise,
        approved_paise,
        deducted_paise,
        paid_paise,
        tds_paise,
        deductions,
        reason_code,
        utr,
        coalesce(last_value(own_state) over claim_so_far, '') as state_after,
        open_queries_after,
        requested_so_far_paise,
        multiIf(
            event_type in ('approved_full', 'approved_partial'),
            toNullable(coalesce(approved_paise, decision_requested_paise)),
            event_type = 'denied', toNullable(toInt64(0)),
            null
        ) as decided_approved_paise,
        multiIf(
            event_type = 'approved_partial' and deducted_paise is null,
            toNullable(
                greatest(0, decision_requested_paise - coalesce(approved_paise, decision_requested_paise))
            ),
            event_type in ('approved_full', 'approved_partial'), toNullable(coalesce(deducted_paise, 0)),
            event_type = 'denied', toNullable(toInt64(0)),
            null
        ) as decided_deducted_paise,
        loaded_at
    from decided
    window claim_so_far as (
        partition by tenant_id, claim_id order by event_seq rows between unbounded preceding and current row
    )
)

select * from final
