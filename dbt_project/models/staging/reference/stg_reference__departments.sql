with

source as (
    {{ committed_rows(source('reference', 'reference_departments')) }}
),

renamed as (
    select
        tenant_id,
        department_code,
        department_name,
        branch_id,
        {{ load_metadata() }}
    from source
),

final as (
    select * from renamed
)

select * from final
