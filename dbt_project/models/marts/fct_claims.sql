{#- One row per claim: the fold of its events (int_claim_events__ordered mirrors ingestion/claims_state.py),
    its episode, its service levels and the time it spent in each state. A table rebuilt in full every run:
    the time in the current state grows until the as-of instant (the end of the as-of IST day). -#}
{%- set states = claim_states() %}
{%- set decisions = "('approved_full', 'approved_partial', 'denied')" %}
with

events as (
    select * from {{ ref('int_claim_events__ordered') }}
),

-- nullable, so a claim without an episode reads null, not 0
episodes as (
    select
        tenant_id,
        visit_number,
        episode_id,
        branch_id,
        toNullable(payments_paise) as payments_paise
    from {{ ref('fct_patient_episodes') }}
    where visit_number != ''
),

slas as (
    select * from {{ ref('int_claim_slas__deduplicated') }}
),

as_of as (
    select
        as_of_date,
        {{ ist_day_end('as_of_date') }} as as_of_end
    from {{ ref('int_as_of_date__resolved') }}
),

-- how long the state each event left the claim in held: until the next event, the last one until as-of
timed as (
    select
        events.*,
        greatest(
            0,
            dateDiff('second', events.event_time, coalesce(events.next_event_time, as_of.as_of_end))
        ) as state_seconds,
        lagInFrame(events.state_after, 1, '') over (
            partition by events.tenant_id, events.claim_id order by events.event_seq
            rows between unbounded preceding and current row
        ) as state_before
    from events
    cross join as_of
),

claims as (
    select
        tenant_id,
        claim_id,
        if(countIf(claim_kind = 'claim') > 0, 'claim', 'preauth') as folded_claim_kind,
        argMaxIf(branch_id, event_seq, branch_id != '') as claim_branch_id,
        argMaxIf(visit_number, event_seq, visit_number != '') as folded_visit_number,
        argMaxIf(insurer, event_seq, insurer != '') as folded_insurer,
        argMaxIf(tpa, event_seq, tpa != '') as folded_tpa,
        argMax(state_after, event_seq) as folded_state,
        coalesce(
            maxIf(toNullable(event_time), state_after != state_before), min(event_time)
        ) as state_entered_at,
        argMax(open_queries_after, event_seq) as open_queries,
        argMaxIf(
            if(event_type in ('approved_full', 'approved_partial'), '', reason_code),
            event_seq,
            event_type in ('approved_full', 'approved_partial')
            or (
                event_type in ('denied', 'preauth_rejected', 'query_raised', 'dispute_raised')
                and reason_code != ''
            )
        ) as folded_reason_code,
        argMax(requested_so_far_paise, event_seq) as folded_requested_paise,
        coalesce(
            argMaxIf(
                approved_paise,
                event_seq,
                event_type in ('preauth_approved', 'preauth_enhanced') and approved_paise is not null
            ),
            0
        ) as preauth_approved_paise,
        coalesce(
            argMaxIf(decided_approved_paise, event_seq, decided_approved_paise is not null), 0
        ) as folded_approved_paise,
        coalesce(
            argMaxIf(decided_deducted_paise, event_seq, decided_deducted_paise is not null), 0
        ) as folded_deducted_paise,
        toInt64(coalesce(sumIf(paid_paise, event_type = 'settled'), 0)) as folded_paid_paise,
        toInt64(coalesce(sumIf(tds_paise, event_type = 'settled'), 0)) as folded_tds_paise,
        toInt64(coalesce(sumIf(paid_paise, event_type = 'remittance_line'), 0)) as remitted_paise,
        toInt64(coalesce(sumIf(tds_paise, event_type = 'remittance_line'), 0)) as remitted_tds_paise,
        if(
            countIf(event_type = 'settled' and utr != '') > 0,
            argMaxIf(utr, event_seq, event_type = 'settled' and utr != ''),
            argMinIf(utr, event_seq, event_type = 'remittance_line' and utr != '')
        ) as folded_utr,
        min(event_time) as first_event_at,
        max(event_time) as last_event_at,
        minIf(toNullable(event_time), event_type = 'claim_submitted') as submitted_at,
        minIf(toNullable(event_time), event_type in {{ decisions }}) as decided_at,
        minIf(toNullable(event_time), event_type = 'settled') as settled_at,
        {%- for state in states %}
        toInt64(sumIf(state_seconds, state_after = '{{ state }}')) as seconds_{{ state }},
        {%- endfor %}
        count() as event_count
    from timed
    group by tenant_id, claim_id
),

-- the most specific service level: the claim's insurer and TPA, then its insurer, then its TPA, then any
sla_candidates as (
    select
        claims.tenant_id as sla_tenant_id,
        claims.claim_id as sla_claim_id,
        toNullable(slas.decision_sla_hours) as decision_sla_hours,
        toNullable(slas.settlement_sla_hours) as settlement_sla_hours,
        row_number() over (
            partition by claims.tenant_id, claims.claim_id
            order by slas.insurer != '' desc, slas.tpa != '' desc
        ) as sla_rank
    from claims
    inner join slas on claims.tenant_id = slas.tenant_id
    where slas.insurer in (claims.folded_insurer, '') and slas.tpa in (claims.folded_tpa, '')
),

claim_slas as (
    select * from sla_candidates
    where sla_rank = 1
),

with_sla as (
    select
        claims.*,
        claim_slas.decision_sla_hours as decision_sla_hours,
        claim_slas.settlement_sla_hours as settlement_sla_hours
    from claims
    left join claim_slas
        on
            claims.tenant_id = claim_slas.sla_tenant_id
            and claims.claim_id = claim_slas.sla_claim_id
),

final as (
    select
        with_sla.tenant_id as tenant_id,
        with_sla.claim_id as claim_id,
        with_sla.folded_claim_kind as claim_kind,
        if(
            with_sla.claim_branch_id != '', with_sla.claim_branch_id, coalesce(episodes.branch_id, '')
        ) as branch_id,
        with_sla.folded_visit_number as visit_number,
        coalesce(episodes.episode_id, '') as episode_id,
        with_sla.folded_insurer as insurer,
        with_sla.folded_tpa as tpa,
        with_sla.folded_state as state,
        with_sla.state_entered_at as state_entered_at,
        with_sla.open_queries as open_queries,
        with_sla.folded_reason_code as reason_code,
        with_sla.folded_requested_paise as requested_paise,
        with_sla.preauth_approved_paise as preauth_approved_paise,
        with_sla.folded_approved_paise as approved_paise,
        with_sla.folded_deducted_paise as deducted_paise,
        with_sla.folded_paid_paise as paid_paise,
        with_sla.folded_tds_paise as tds_paise,
        with_sla.remitted_paise as remitted_paise,
        with_sla.remitted_tds_paise as remitted_tds_paise,
        with_sla.folded_approved_paise as insurer_share_paise,
        if(
            with_sla.decided_at is null,
            null,
            toNullable(greatest(0, with_sla.folded_requested_paise - with_sla.folded_approved_paise))
        ) as patient_share_paise,
        episodes.payments_paise as patient_paid_paise,
        with_sla.folded_utr as utr,
        with_sla.first_event_at as first_event_at,
        with_sla.last_event_at as last_event_at,
        with_sla.submitted_at as submitted_at,
        with_sla.decided_at as decided_at,
        with_sla.settled_at as settled_at,
        with_sla.decision_sla_hours as decision_sla_hours,
        with_sla.settlement_sla_hours as settlement_sla_hours,
        with_sla.submitted_at + toIntervalHour(with_sla.decision_sla_hours) as decision_due_at,
        with_sla.submitted_at + toIntervalHour(with_sla.settlement_sla_hours) as settlement_due_at,
        toBool(coalesce(coalesce(with_sla.decided_at, as_of.as_of_end) > decision_due_at, false))
            as is_decision_sla_breached,
        -- a claim whose decision approved nothing (denied) owes no settlement, so cannot be late paying it
        toBool(
            coalesce(coalesce(with_sla.settled_at, as_of.as_of_end) > settlement_due_at, false)
            and not (
                with_sla.settled_at is null
                and with_sla.decided_at is not null
                and with_sla.folded_approved_paise = 0
            )
        ) as is_settlement_sla_breached,
        with_sla.event_count as event_count,
        {%- for state in states %}
        with_sla.seconds_{{ state }} as seconds_{{ state }},
        {%- endfor %}
        as_of.as_of_date as as_of_date
    from with_sla
    cross join as_of
    left join episodes
        on
            with_sla.tenant_id = episodes.tenant_id
            and with_sla.folded_visit_number = episodes.visit_number
)

select * from final
