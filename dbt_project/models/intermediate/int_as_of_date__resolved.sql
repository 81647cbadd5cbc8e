{#- The reconciliation's "today" (an IST date), in one place: the `as_of` var when given, else the latest
    IST date seen in the data (event times, settlement payouts, bank transaction dates, claim event times). -#}
with

events as (
    select * from {{ ref('stg_booking__events') }}
),

settlement_lines as (
    select * from {{ ref('int_settlement_lines__unioned') }}
),

bank_lines as (
    select * from {{ ref('stg_bank__statement_lines') }}
),

claim_events as (
    select * from {{ ref('int_claim_events__unioned') }}
),

seen_dates as (
    select {{ ist_date('event_at') }} as seen_date from events
    union all
    select {{ ist_date('settled_at') }} as seen_date from settlement_lines
    where settled_at is not null
    union all
    select txn_date as seen_date from bank_lines
    union all
    select {{ ist_date('event_time') }} as seen_date from claim_events
),

latest as (
    select maxOrNull(seen_date) as latest_data_date
    from seen_dates
),

final as (
    select
        assumeNotNull(
            coalesce({{ as_of_var_date() }}, latest_data_date, {{ ist_date('now()') }})
        ) as as_of_date,
        multiIf(
            {{ as_of_var_date() }} is not null, 'var',
            latest_data_date is not null, 'data',
            'today'
        ) as as_of_source,
        latest_data_date
    from latest
)

select * from final
