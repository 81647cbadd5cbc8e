with

source as (
    {{ committed_rows(source('billing', 'hl7_charge_lines')) }}
),

renamed as (
    select
        tenant_id,
        sender,
        message_id,
        line_number,
        message_time,
        patient_ids,
        mrn,
        abha_number,
        visit_number,
        bill_number,
        bill_kind,
        transaction_id,
        transaction_time,
        transaction_type,
        service_code,
        service_text,
        service_coding_system,
        quantity,
        amount_paise,
        unit_amount_paise,
        department,
        performing_doctor,
        ordering_doctor,
        hl7_version,
        raw,
        'hl7' as wire_format,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
