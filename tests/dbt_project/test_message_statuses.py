"""The message-status models on real dbt: statuses loaded through the real feeds (a Meta payload file, an
MSG91 and a SendGrid CSV, and `message.status.*` CloudEvents of the booking service) reach
int_message_statuses__unioned in one status-history shape, a status that came by webhook and by file once."""

from __future__ import annotations

import json
from pathlib import Path

from dbt_runner import dbt_failure, run_dbt, run_results

from booking.domain.message_status import MessageStatus
from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.booking_events import FEED as EVENTS_FEED
from ingestion.feeds.email_events import FEED as EMAIL_FEED
from ingestion.feeds.sms_delivery_reports import FEED as SMS_FEED
from ingestion.feeds.whatsapp_statuses import FEED as WHATSAPP_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables

TENANT = "t_msg"


def status(wamid: str, state: str, ts: int) -> dict[str, object]:
    return {"id": wamid, "status": state, "timestamp": str(ts), "recipient_id": "919876543210"}


def webhook_event(n: int, data: MessageStatus) -> str:
    return json.dumps({
        "specversion": "1.0", "id": f"evt_{n}", "source": "mymedic/booking/br_1", "type": f"message.status.{data.status}",
        "time": "2026-10-01T05:00:00.000Z", "subject": data.provider_message_id, "datacontenttype": "application/json",
        "tenantid": TENANT, "branchid": "br_1", "data": data.model_dump(),
    })  # fmt: skip


def test_statuses_of_every_provider_and_path_become_one_history(tmp_path: Path) -> None:
    settings = warehouse_settings(f"chdb://{tmp_path / 'warehouse'}")
    meta = tmp_path / "payload.json"
    value = {"metadata": {"phone_number_id": "pn1"}, "statuses": [status("wamid.1", "delivered", 1790830005), status("wamid.1", "read", 1790830000)]}  # fmt: skip
    meta.write_text(json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "w", "changes": [{"field": "messages", "value": value}]}]}))  # fmt: skip
    sms = tmp_path / "dlr.csv"
    sms.write_text("requestId,number,status,desc,date,senderId,failedReason\nr1,919876541111,2,FAILED,2026-10-01 10:00:00,MYMDIC,Absent subscriber\n")  # fmt: skip
    email = tmp_path / "events.csv"
    email.write_text(
        "sg_event_id,sg_message_id,smtp-id,event,email,timestamp,reason,status,type\n"
        "e1,sg1.filter1,<msg_1@mymedic.example>,processed,asha@example.com,1790830000,,,\n"
        "e2,sg1.filter1,,open,asha@example.com,1790833600,,,\n"
    )
    read_by_webhook = MessageStatus(
        provider="meta", provider_message_id="wamid.1", status="read", provider_status="read",
        status_time="2026-10-01T04:46:40.000Z", recipient_masked="+91******3210",
    )  # fmt: skip
    events = tmp_path / "events.ndjson"
    events.write_text(webhook_event(1, read_by_webhook) + "\n")
    context = LoadContext(TENANT)
    with open_warehouse(settings) as warehouse:
        create_raw_tables(warehouse)
        for feed, path in (
            (WHATSAPP_FEED, meta),
            (SMS_FEED, sms),
            (EMAIL_FEED, email),
            (EVENTS_FEED, events),
        ):
            result = load_file(warehouse, feed, path, context, source=f"msg/{path.name}")
            assert result.rows_quarantined == 0, result
    built = run_dbt(settings, tmp_path, "build", "--select", "+int_message_statuses__unioned")
    assert built.returncode == 0, dbt_failure(built)
    assert all(s in ("success", "pass") for s in run_results(tmp_path).values())
    with open_warehouse(settings) as warehouse:
        rows = warehouse.rows(
            "select channel, provider, provider_message_id, status, provider_status, toString(status_at), "
            "recipient_masked, error_code, received_via, status_rank "
            f"from {warehouse.db('intermediate')}.int_message_statuses__unioned where tenant_id = {{t:String}} "
            "order by channel, status_at",
            {"t": TENANT},
        )
    assert rows == [
        ("email", "sendgrid", "msg_1@mymedic.example", "sent", "processed", "2026-10-01 04:46:40.000", "a***@example.com", None, "file", 1),
        ("email", "sendgrid", "msg_1@mymedic.example", "read", "open", "2026-10-01 05:46:40.000", "a***@example.com", None, "file", 3),
        ("sms", "msg91", "r1", "failed", "FAILED", "2026-10-01 04:30:00.000", "+91******1111", "2", "file", 0),
        ("whatsapp", "meta", "wamid.1", "read", "read", "2026-10-01 04:46:40.000", "+91******3210", None, "webhook", 3),
        ("whatsapp", "meta", "wamid.1", "delivered", "delivered", "2026-10-01 04:46:45.000", "+91******3210", None, "file", 2),
    ]  # fmt: skip
