{#- What a booking's reminders did, as a query over `messages` (a relation or CTE of fct_messages rows): per
    (tenant_id, booking_id) with a 24 h or 2 h reminder, reminder_status `delivered` (one reached the patient:
    final status delivered or read) or `not_delivered` (one was sent, none reached them); a booking
    without such a row had none sent (`none`, coalesce after the join). fct_reminder_effect_monthly and
    fct_branch_daily share it. -#}
{% macro booking_reminders(messages) -%}
    select
        tenant_id,
        assumeNotNull(booking_id) as booking_id,
        multiIf(
            countIf(final_status in ('delivered', 'read')) > 0, 'delivered',
            countIf(sent_at is not null) > 0, 'not_delivered',
            'none'
        ) as reminder_status
    from {{ messages }}
    where purpose in ('reminder_24h', 'reminder_2h') and booking_id is not null
    group by tenant_id, booking_id
{%- endmacro %}
