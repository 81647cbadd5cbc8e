{#- A message the sender re-sent (the same tenant, sender and control id, e.g. no ACK reached it in time) is
    one event: the first copy loaded is kept, and copies_received counts them all. A FHIR Encounter is sent
    whole at every version, its history included, so the events its earlier versions gave come again
    under the new version's id (`<id>/_history/<v>#<n>`): the event is the same without the version, and the
    latest version's copy is kept (it carries the HIS's corrections, e.g. the attending doctor). -#}
with

events as (
    select
        *,
        if(
            wire_format = 'fhir', replaceRegexpOne(message_id, '/_history/[^#]*', ''), message_id
        ) as event_key,
        toUInt32OrZero(extract(message_id, '/_history/([0-9]+)')) as fhir_version
    from {{ ref('int_adt_events__unioned') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, sender, event_key
            order by fhir_version desc, loaded_at asc, batch_id asc, source_line asc
        ) as copy_rank,
        count() over (partition by tenant_id, sender, event_key) as copies_received
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
