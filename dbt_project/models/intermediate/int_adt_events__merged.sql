{#- A40 merges resolved: an A40 says the prior patient (merged_mrn) is now the surviving one (mrn). Every
    event of a merged MRN, before or after the A40, is the surviving patient's (patient_mrn); a chain of
    merges (A into B, then B into C) is followed up to three hops. When one prior MRN is merged twice the
    latest A40 wins. Within a visit, events are ordered by message time, then control id
    (visit_event_seq; 0 for events that name no visit, like A28, A31, A40). -#}
with

events as (
    select * from {{ ref('int_adt_events__deduplicated') }}
),

merges as (
    select
        tenant_id,
        merged_mrn as prior_mrn,
        argMax(mrn, (message_time, message_id)) as surviving_mrn
    from events
    where event_type = 'A40' and merged_mrn != '' and mrn != '' and merged_mrn != mrn
    group by tenant_id, merged_mrn
),

resolved as (
    select
        first_hop.tenant_id as tenant_id,
        first_hop.prior_mrn as prior_mrn,
        coalesce(
            nullIf(third_hop.surviving_mrn, ''),
            nullIf(second_hop.surviving_mrn, ''),
            first_hop.surviving_mrn
        ) as surviving_mrn
    from merges as first_hop
    left join merges as second_hop
        on
            first_hop.tenant_id = second_hop.tenant_id
            and first_hop.surviving_mrn = second_hop.prior_mrn
    left join merges as third_hop
        on
            second_hop.tenant_id = third_hop.tenant_id
            and second_hop.surviving_mrn = third_hop.prior_mrn
),

resolved_events as (
    select
        {{ adt_event_columns('events') }},
        events.copies_received as copies_received,
        coalesce(nullIf(resolved.surviving_mrn, ''), events.mrn) as patient_mrn,
        coalesce(resolved.surviving_mrn, '') != '' as is_merged_patient
    from events
    left join resolved
        on
            events.tenant_id = resolved.tenant_id
            and events.mrn = resolved.prior_mrn
),

final as (
    select
        *,
        if(
            visit_number = '',
            0,
            row_number() over (
                partition by tenant_id, visit_number
                order by message_time, message_id
            )
        ) as visit_event_seq
    from resolved_events
)

select * from final
