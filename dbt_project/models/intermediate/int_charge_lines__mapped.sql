{#- Each charge line with its service mapped to the platform's catalog (reference_services, the version in
    force at this run: a mapping added later maps old lines on the next run) and linked to its episode by
    the visit number, the key fct_patient_episodes' episodes are built on. A charge (CG) is a service: its
    code must map to the catalog, and one with no mapping row keeps its code (is_service_mapped false;
    unmapped_codes lists it). Credits, payments and adjustments carry the HIS's own transaction codes
    (a concession, a receipt, a round-off), which are no services and are not mapped. A line is `linked` when
    its visit is an open episode (seen, admitted, discharged), `episode_not_open` when the visit's ADT has
    no admission yet or it was cancelled, `no_episode` when no ADT event names the visit. What a line does to
    its bill: a charge (CG) adds its amount as written, a credit (CD) takes off its absolute amount, an
    adjustment (AJ) adds its amount as written (either sign), a payment (PY) pays its absolute amount. -#}
with

lines as (
    select * from {{ ref('int_charge_lines__deduplicated') }}
),

services as (
    select * from {{ ref('int_services__deduplicated') }}
),

episodes as (
    select * from {{ ref('int_patient_episodes__built') }}
),

joined as (
    select
        {{ charge_line_columns('lines') }},
        lines.copies_received as copies_received,
        coalesce(services.service_id, '') as service_id,
        coalesce(services.service_name, '') as service_name,
        services.fee_paise as catalog_fee_paise,
        coalesce(episodes.status, '') as episode_status,
        coalesce(episodes.episode_id, '') as built_episode_id,
        coalesce(episodes.episode_type, '') as built_episode_type,
        coalesce(episodes.branch_id, '') as built_branch_id,
        coalesce(episodes.patient_id, '') as built_patient_id
    from lines
    left join services
        on
            lines.tenant_id = services.tenant_id
            and lines.service_code = services.service_code
    left join episodes
        on
            lines.tenant_id = episodes.tenant_id
            and lines.visit_number = episodes.visit_number
),

linked as (
    select
        *,
        transaction_type = 'CG' as is_service_line,
        service_id != '' as is_service_mapped,
        multiIf(
            episode_status in ('seen', 'admitted', 'discharged'), 'linked',
            episode_status != '', 'episode_not_open',
            'no_episode'
        ) as link_status
    from joined
),

final as (
    select
        {{ charge_line_columns() }},
        copies_received,
        service_id,
        service_name,
        if(is_service_mapped, catalog_fee_paise, null) as catalog_fee_paise,
        is_service_line,
        is_service_mapped,
        link_status,
        if(link_status = 'linked', built_episode_id, '') as episode_id,
        if(link_status = 'linked', built_episode_type, '') as episode_type,
        if(link_status = 'linked', built_branch_id, '') as branch_id,
        if(link_status = 'linked', built_patient_id, '') as patient_id,
        multiIf(
            transaction_type in ('CG', 'AJ'), amount_paise,
            transaction_type = 'CD', -abs(amount_paise),
            0
        ) as bill_effect_paise,
        if(transaction_type = 'PY', abs(amount_paise), 0) as paid_paise
    from linked
)

select * from final
