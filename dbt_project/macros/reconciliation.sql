{#- Shared building blocks of the reconciliation, so every model applies the contract in
    docs/reconciliation.md the same way. -#}

{#- The IST calendar date of a UTC timestamp: all day arithmetic of the reconciliation is on these. -#}
{% macro ist_date(timestamp_sql) -%}
    toDate({{ timestamp_sql }}, 'Asia/Kolkata')
{%- endmacro %}


{#- The `as_of` dbt var as a SQL Date literal, or none when it is not set (the date then comes from
    the data, see int_as_of_date__resolved). Accepts a string 'YYYY-MM-DD' or a YAML date. -#}
{% macro as_of_var_date() -%}
    {%- set value = (var('as_of', '') or '') | string | trim -%}
    {%- if value -%}
        toDate('{{ value }}')
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}


{#- round_half_up(amount * bps / 10000) in exact integer arithmetic (amount >= 0). -#}
{% macro bps_of(amount_sql, bps_sql) -%}
    intDiv(({{ amount_sql }}) * ({{ bps_sql }}) + 5000, 10000)
{%- endmacro %}


{#- Paise as rupees text for exception reasons (45000 -> '₹450.00', -5 -> '-₹0.05', 100051900 -> '₹10,00,519.00'). -#}
{% macro rupees_text(paise_sql) -%}
    {#- As Babel's en_IN currency format writes it (core/money.py format_rupees): -₹1,23,45,678.90. The
        rupees get Indian grouping: the last three digits, then pairs. -#}
    concat(
        if(({{ paise_sql }}) < 0, '-₹', '₹'),
        if(
            intDiv(abs({{ paise_sql }}), 100) < 1000,
            toString(intDiv(abs({{ paise_sql }}), 100)),
            concat(
                reverse(trim(TRAILING ',' FROM replaceRegexpAll(
                    reverse(toString(intDiv(abs({{ paise_sql }}), 100000))), '(\\d\\d)', '\\1,'
                ))),
                ',',
                leftPad(toString(intDiv(abs({{ paise_sql }}), 100) % 1000), 3, '0')
            )
        ),
        '.',
        leftPad(toString(abs({{ paise_sql }}) % 100), 2, '0')
    )
{%- endmacro %}


{#- The aging bucket of an age in days; the caller blanks it for matched rows. -#}
{% macro aging_bucket(age_days_sql) -%}
    multiIf(
        ({{ age_days_sql }}) <= 2, '0-2d',
        ({{ age_days_sql }}) <= 7, '3-7d',
        ({{ age_days_sql }}) <= 30, '8-30d',
        '31+d'
    )
{%- endmacro %}


{#- The columns a row of fct_payment_reconciliation takes alike from each of its sources
    (int_payments__reconciled, int_refunds__reconciled, int_gateway_lines__orphaned). The sources' CTEs put
    their own entity columns first, then this list, so the `union all` lines up column by column. -#}
{% macro reconciliation_row_columns() -%}
    tenant_id,
    branch_id,
    booking_id,
    payment_id,
    order_id,
    method,
    gateway_amount_paise,
    gateway_fee_paise + gateway_tax_paise as gateway_fee_incl_tax_paise,
    gateway_fee_paise as fee_paise,
    gateway_tax_paise as tax_paise,
    gateway_net_paise as net_settled_paise,
    settlement_id,
    settlement_utr,
    settled_at,
    bank_credit_date,
    status,
    age_days,
    aging_bucket,
    exception_reason,
    as_of_date
{%- endmacro %}


{#- The end of an IST date (the next day's 00:00 IST) as a UTC DateTime64(3): the instant open claims are
    measured at on the as-of date. -#}
{% macro ist_day_end(date_sql) -%}
    toDateTime64(toDateTime(({{ date_sql }}) + 1, 'Asia/Kolkata'), 3, 'UTC')
{%- endmacro %}
