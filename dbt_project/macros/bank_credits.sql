{#- Bank credit lines beside the known UTRs they carry: the CTEs `bank_lines`, `tokenised`, `candidates` and
    `final`, one row of `final` per (credit line, UTR). `known_utrs` names a CTE of (tenant_id, utr) with
    the UTRs upper-cased and at least 8 characters long (a shorter one could be any short number). A credit
    carries a UTR when its narration or its ref_no holds it as a whole token (a run of letters and digits,
    compared in upper case). Matching against the known UTRs, instead of guessing a UTR's shape, accepts
    every form banks, gateways and insurers use: Razorpay's alphanumeric UTRs (1568176960vxp0rj), 12-digit
    IMPS/UPI RRNs, NEFT UTRs (HDFCN52022092612345, 16-character ones) and 22-character RTGS UTRs
    (HDFCR52022092600012345). Credit lines carrying no known UTR are left out. -#}
{% macro bank_credits_carrying(known_utrs) -%}
bank_lines as (
    select * from {{ ref('stg_bank__statement_lines') }}
    where credit_paise > 0
),

tokenised as (
    select
        *,
        extractAll(upper(narration), '[0-9A-Z]+') as narration_tokens,
        extractAll(upper(ref_no), '[0-9A-Z]+') as ref_no_tokens
    from bank_lines
),

candidates as (
    select
        *,
        arrayJoin(arrayDistinct(arrayConcat(narration_tokens, ref_no_tokens))) as token
    from tokenised
),

final as (
    select
        candidates.tenant_id as tenant_id,
        candidates.bank_line_id as bank_line_id,
        {{ known_utrs }}.utr as utr,
        multiIf(
            has(candidates.narration_tokens, {{ known_utrs }}.utr)
            and has(candidates.ref_no_tokens, {{ known_utrs }}.utr), 'narration_and_ref_no',
            has(candidates.narration_tokens, {{ known_utrs }}.utr), 'narration',
            'ref_no'
        ) as utr_found_in,
        candidates.txn_date as txn_date,
        candidates.value_date as value_date,
        candidates.credit_paise as credit_paise,
        candidates.narration as narration,
        candidates.ref_no as ref_no,
        candidates.account_number as account_number
    from candidates
    inner join {{ known_utrs }}
        on
            candidates.tenant_id = {{ known_utrs }}.tenant_id
            and candidates.token = {{ known_utrs }}.utr
)
{%- endmacro %}


{#- The bank credits of `bank_credits` (rows of bank_credits_carrying's `final`) per UTR: their total, earliest
    date and count, each nullable so a left join tells a UTR no credit carries (NULL) from one credited 0. -#}
{% macro bank_credits_per_utr(bank_credits) -%}
    select
        tenant_id,
        utr,
        toNullable(sum(credit_paise)) as credited_paise,
        toNullable(min(txn_date)) as bank_credit_date,
        toNullable(count()) as bank_line_count
    from {{ bank_credits }}
    group by tenant_id, utr
{%- endmacro %}
