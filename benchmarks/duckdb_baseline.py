"""DuckDB on the same files, as peer yardsticks for `make bench`: bare scans of each feed, and the reconciliation.

`scan(data_dir, database)` reads each feed's files with DuckDB's own readers (read_csv, read_ndjson), typed
like the platform's raw tables but with no validation, quarantine, ledger or idempotence: once as a bare
scan, and once into tables of an on-disk DuckDB database. The platform's load of the same files is
compared to the bare scan (the fastest an embedded SQL engine reads them) and, for context, to the table.

`reconcile(data_dir)` is docs/reconciliation.md in one DuckDB SQL query straight over the files (the same
port of the rules as benchmarks/pandas_reconciliation.py, but in SQL). It computes every status of the
mart: for captured payments `duplicate_payment`, `in_transit`, `settlement_overdue`, `amount_mismatch`,
`fee_mismatch`, `bank_unmatched`, `matched`; for refunds the same but `duplicate_payment`; and
`orphan_gateway_line` for settlement lines that name no known payment or refund (payment lines with an
unknown id, refund lines whose refund and payment are both unknown, adjustment and transfer lines).
It leaves out what the mart adds for people (exception reasons, aging buckets, branches of orphans) and
assumes the generator's clean formats (events' times in UTC with `Z`, one line per payment or refund in
the settlements); it keeps the first capture event of a payment re-sent under a new event id.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

SETTLEMENT_COLUMNS = {
    "entity_id": "VARCHAR", "type": "VARCHAR", "debit": "BIGINT", "credit": "BIGINT", "amount": "BIGINT",
    "currency": "VARCHAR", "fee": "BIGINT", "tax": "BIGINT", "on_hold": "TINYINT", "settled": "TINYINT",
    "created_at": "BIGINT", "settled_at": "BIGINT", "settlement_id": "VARCHAR", "posted_at": "BIGINT",
    "credit_type": "VARCHAR", "description": "VARCHAR", "notes": "VARCHAR", "payment_id": "VARCHAR",
    "settlement_utr": "VARCHAR", "order_id": "VARCHAR", "order_receipt": "VARCHAR", "method": "VARCHAR",
    "card_network": "VARCHAR", "card_issuer": "VARCHAR", "card_type": "VARCHAR", "dispute_id": "VARCHAR",
}  # fmt: skip
BANK_COLUMNS = {
    "txn_date": "DATE", "value_date": "DATE", "narration": "VARCHAR", "ref_no": "VARCHAR",
    "debit": "DECIMAL(18,2)", "credit": "DECIMAL(18,2)", "balance": "DECIMAL(18,2)",
}  # fmt: skip
EVENT_COLUMNS = {
    "specversion": "VARCHAR", "id": "VARCHAR", "source": "VARCHAR", "type": "VARCHAR", "time": "TIMESTAMP",
    "subject": "VARCHAR", "datacontenttype": "VARCHAR", "tenantid": "VARCHAR", "branchid": "VARCHAR",
    "data": "JSON",
}  # fmt: skip


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"


def _glob(data_dir: Path, pattern: str) -> str:
    return str(Path(data_dir).resolve() / pattern).replace("'", "''")


def scan_sql(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Per platform feed name: (table, SELECT reading its files) pairs, typed like the raw tables."""
    csv = "header = true, auto_detect = false, quote = '\"', escape = '\"'"
    return {
        "reference": [
            (
                f"reference_{stem}",
                f"select * from read_csv('{_glob(data_dir, f'reference/{stem}.csv')}', header = true)",
            )
            for stem in sorted(p.stem for p in (Path(data_dir) / "reference").glob("*.csv"))
        ],  # every reference file there is (the HIS code mappings are optional)
        "booking_events": [
            (
                "booking_events",
                f"select * from read_ndjson('{_glob(data_dir, 'events/*.ndjson')}', "
                f"columns = {_struct(EVENT_COLUMNS)})",
            )
        ],
        "razorpay_settlements": [
            (
                "razorpay_settlement_lines",
                f"select * from read_csv('{_glob(data_dir, 'settlements/razorpay/*.csv')}', {csv}, "
                f"columns = {_struct(SETTLEMENT_COLUMNS)})",
            )
        ],
        "bank_statements": [
            (
                "bank_statement_lines",
                f"select * from read_csv('{_glob(data_dir, 'bank/*.csv')}', {csv}, dateformat = '%d/%m/%Y', "
                f"columns = {_struct(BANK_COLUMNS)})",
            )
        ],
    }


def scan(data_dir: Path, database: Path) -> dict[str, dict[str, float]]:
    """Per feed: `rows`; `seconds`, a bare scan of its files (`select count(*)` over DuckDB's reader); and
    `table_seconds`, the same files read into a table of a fresh on-disk database (every column typed,
    then a checkpoint, as a load writes to disk)."""
    Path(database).unlink(missing_ok=True)
    figures: dict[str, dict[str, float]] = {}
    with duckdb.connect(str(database)) as con:
        for feed, tables in scan_sql(data_dir).items():
            rows, scan_seconds, table_seconds = 0, 0.0, 0.0
            for table, select in tables:
                started = time.perf_counter()
                scanned = con.execute(f"select count(*) from ({select})").fetchone()[0]
                scan_seconds += time.perf_counter() - started
                started = time.perf_counter()
                con.execute(f"create table {table} as {select}")
                con.execute("checkpoint")
                table_seconds += time.perf_counter() - started
                stored = con.execute(f"select count(*) from {table}").fetchone()[0]
                if stored != scanned:
                    raise RuntimeError(f"DuckDB scanned {scanned} rows of {table} but stored {stored}")
                rows += stored
            figures[feed] = {"rows": rows, "seconds": scan_seconds, "table_seconds": table_seconds}
    return figures


def reconcile_sql(data_dir: Path) -> str:
    """One query: a row per (entity_type, status) with its count."""
    events, lines = _glob(data_dir, "events/*.ndjson"), _glob(data_dir, "settlements/razorpay/*.csv")
    bank, contract = _glob(data_dir, "bank/*.csv"), _glob(data_dir, "reference/gateway_contract.csv")
    csv = "header = true, auto_detect = false, quote = '\"', escape = '\"'"
    ist = "interval 330 minute"  # IST is UTC+05:30 all year
    return f"""
with
events as (
    select id, type, time, data
    from read_ndjson('{events}', columns = {{'id': 'VARCHAR', 'type': 'VARCHAR', 'time': 'TIMESTAMP', 'data': 'JSON'}})
),
captures as (
    select
        data ->> 'payment_id' as payment_id,
        data ->> 'order_id' as order_id,
        (data ->> 'amount_paise')::BIGINT as amount_paise,
        data ->> 'method' as method,
        (data ->> 'captured_at')::TIMESTAMP as captured_at,
        time as event_at,
        id as event_id
    from events
    where type in ('payment.deposit.paid', 'payment.balance.paid')
),
payments as (
    select
        *,
        order_id != '' and row_number() over (partition by order_id order by captured_at, payment_id) > 1
            as is_duplicate
    from captures
    qualify row_number() over (partition by payment_id order by captured_at, event_at, event_id) = 1
),
refunds as (
    select
        data ->> 'refund_id' as refund_id,
        data ->> 'payment_id' as payment_id,
        (data ->> 'amount_paise')::BIGINT as amount_paise,
        time as initiated_at
    from events
    where type = 'payment.refund.initiated'
    qualify row_number() over (partition by refund_id order by time, id) = 1
),
lines as (
    select * from read_csv('{lines}', {csv}, columns = {_struct(SETTLEMENT_COLUMNS)})
),
bank_credits as (
    select
        row_number() over () as line_no,
        round(replace(credit, ',', '')::DECIMAL(18, 2) * 100)::BIGINT as credit_paise,
        strptime(txn_date, '%d/%m/%Y')::DATE as txn_date,
        upper(narration) as narration
    from read_csv('{bank}', {csv},
                  columns = {{'txn_date': 'VARCHAR', 'value_date': 'VARCHAR', 'narration': 'VARCHAR',
                              'ref_no': 'VARCHAR', 'debit': 'VARCHAR', 'credit': 'VARCHAR', 'balance': 'VARCHAR'}})
),
bank_tokens as (
    select line_no, credit_paise, unnest(regexp_extract_all(narration, '[0-9A-Z]+')) as token
    from bank_credits
    where credit_paise > 0
),
credits_per_utr as (
    -- a UTR is a token of the narration; a line naming one UTR twice counts once
    select utr, sum(credit_paise) as credited_paise
    from (
        select distinct line_no, token as utr, credit_paise
        from bank_tokens
        where regexp_full_match(token, '[A-Z]{{4}}[0-9A-Z][0-9]{{6,17}}')
    )
    group by utr
),
settlements as (
    select
        settlement_id,
        any_value(settlement_utr) as settlement_utr,
        sum(credit) - sum(debit) as net_paise
    from lines
    group by settlement_id
),
bank_matched as (
    select
        settlements.settlement_id,
        coalesce(settlements.settlement_utr != '' and credited_paise = net_paise, false) as is_bank_matched
    from settlements
    left join credits_per_utr on upper(settlements.settlement_utr) = credits_per_utr.utr
),
contract as (
    select * from read_csv('{contract}', header = true)
),
as_of as (
    select greatest(
        (select max((time + {ist})::DATE) from events),
        (select max((to_timestamp(settled_at)::TIMESTAMP + {ist})::DATE) from lines where settled_at is not null),
        (select max(txn_date) from bank_credits)
    ) as as_of_date
),
payment_lines as (
    select lines.*, bank_matched.is_bank_matched
    from lines join bank_matched using (settlement_id)
    where lines.type = 'payment'
),
refund_lines as (
    select lines.*, bank_matched.is_bank_matched
    from lines join bank_matched using (settlement_id)
    where lines.type = 'refund'
),
payments_joined as (
    select
        p.is_duplicate,
        p.amount_paise,
        l.entity_id is not null as is_settled,
        l.amount as gateway_amount,
        l.fee - l.tax as gateway_fee,
        l.tax as gateway_tax,
        coalesce(l.is_bank_matched, false) as is_bank_matched,
        c.settlement_days,
        (as_of.as_of_date - (p.captured_at + {ist})::DATE) as age_days,
        (if(l.entity_id is not null, l.amount, p.amount_paise) * c.mdr_bps + 5000) // 10000 as expected_fee
    from payments as p
    left join payment_lines as l on p.payment_id = l.entity_id
    left join contract as c on p.method = c.method
    cross join as_of
),
payment_statuses as (
    select
        'payment' as entity_type,
        case
            when is_duplicate then 'duplicate_payment'
            when not is_settled and age_days <= settlement_days then 'in_transit'
            when not is_settled then 'settlement_overdue'
            when gateway_amount != amount_paise then 'amount_mismatch'
            when expected_fee is null
                or abs(gateway_fee - expected_fee) > 1
                or abs(gateway_tax - (expected_fee * c_gst + 5000) // 10000) > 1 then 'fee_mismatch'
            when not is_bank_matched then 'bank_unmatched'
            else 'matched'
        end as status
    from payments_joined, (select max(gst_bps) as c_gst from contract)
),
refund_statuses as (
    select
        'refund' as entity_type,
        case
            when l.entity_id is null and (as_of.as_of_date - (r.initiated_at + {ist})::DATE) <= sla.days
                then 'in_transit'
            when l.entity_id is null then 'settlement_overdue'
            when l.amount != r.amount_paise then 'amount_mismatch'
            when l.fee != 0 or l.tax != 0 then 'fee_mismatch'
            when not l.is_bank_matched then 'bank_unmatched'
            else 'matched'
        end as status
    from refunds as r
    left join refund_lines as l on r.refund_id = l.entity_id
    cross join as_of
    cross join (select max(refund_sla_days) as days from contract) as sla
),
orphan_statuses as (
    select 'gateway_line' as entity_type, 'orphan_gateway_line' as status
    from lines
    where not (
        (type = 'payment' and entity_id in (select payment_id from payments))
        or (type = 'refund' and (entity_id in (select refund_id from refunds)
                                 or payment_id in (select payment_id from payments)))
    )
)
select entity_type, status, count(*) as n
from (
    select * from payment_statuses
    union all select * from refund_statuses
    union all select * from orphan_statuses
)
group by all
order by all
"""


def reconcile(data_dir: Path) -> dict[str, int]:
    """Counts per status (payments, refunds and orphan gateway lines together), as the mart would give them."""
    with duckdb.connect() as con:
        counts: dict[str, int] = {}
        for _, status, n in con.execute(reconcile_sql(data_dir)).fetchall():
            counts[status] = counts.get(status, 0) + n
    return counts
