"""Who may do what on the operator page, over HTTP against the real server: sign-in and roles, the dead-letter
queue's replay (to a real partner endpoint on loopback), tenants kept apart, every action audited, and a
warehouse held by another process (a pipeline run) answered with a 503 that says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from operator_harness import OTHER, PHONE, Served

from core.settings import warehouse_settings

HOLD_WAREHOUSE = (
    "import sys, clickhouse_connect\n"
    "c = clickhouse_connect.get_client(interface='chdb', path=sys.argv[1])\n"
    "c.command('select 1')\nprint('held', flush=True)\nsys.stdin.read()\nc.close()\n"
)


def client(served: Served, role: str = "", sub: str = "someone", tenant: str | None = None) -> httpx.Client:
    headers = {}
    if role:
        token = served.token(role, sub) if tenant is None else served.token(role, sub, tenant)
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=served.url, headers=headers, follow_redirects=False)


def test_sign_in_needs_a_valid_token_with_a_page_role(served: Served) -> None:
    with client(served) as anonymous:
        answer = anonymous.get("/quarantine")
        assert answer.status_code == 401 and "sign in with your staff token" in answer.text
    with client(served, "staff") as staff_only:
        answer = staff_only.get("/quarantine")
        assert answer.status_code == 403 and "holds no staff role (viewer, operator)" in answer.text
    expired = served.staff.token(roles=["operator"], expires_in=-600)
    with httpx.Client(base_url=served.url) as http:
        answer = http.post("/signin", data={"token": expired})
        assert answer.status_code == 401 and "expired" in answer.text
        assert "mymedic_operator" not in answer.cookies


def test_dead_letters_are_the_tenants_own_and_only_an_operator_replays_them(served: Served) -> None:
    own, others = served.dead_letters["tnt_arogya"], served.dead_letters[OTHER]
    with client(served, "viewer", "viewer-1") as viewer:
        page = viewer.get("/dead-letters")
        assert page.status_code == 200 and "evt-tnt_arogya" in page.text and "evt-tnt_sehat" not in page.text
        assert "/replay" not in page.text  # no replay buttons for a viewer
        assert "+91******2345" in page.text and PHONE not in page.text  # the provider's error is masked too
        refused = viewer.post(f"/dead-letters/webhooks/{own}/replay")
        assert refused.status_code == 403 and "operator role" in refused.text
    assert served.partner.received == []
    with client(served, "operator", "op-1") as operator:
        assert operator.post(f"/dead-letters/webhooks/{others}/replay").status_code == 404
        cross_site = operator.post(
            f"/dead-letters/webhooks/{own}/replay", headers={"Origin": "http://evil.test"}
        )
        assert cross_site.status_code == 403
        assert served.partner.received == []
        replayed = operator.post(f"/dead-letters/webhooks/{own}/replay")
        assert replayed.status_code == 303
        after = operator.get(replayed.headers["location"])
        assert f"webhooks dead letter {own}: delivered" in after.text
        assert 'id="webhooks-total">0<' in after.text
        assert PHONE in after.text  # an operator reads the provider's error as it came
        no_messaging = operator.post(f"/dead-letters/messages/{served.dead_message}/replay")
        assert no_messaging.status_code == 409 and "has no messaging block" in no_messaging.text
    assert len(served.partner.received) == 1 and b"evt-tnt_arogya" in served.partner.received[0]
    audit = [(actor, action, entity, after) for actor, action, _, entity, after in served.audit()]
    assert (
        "staff:viewer-1",
        "operator.refused",
        str(own),
        {"role": "viewer", "tried": "webhooks.replay", "why": "viewer"},
    ) in audit
    assert (
        "staff:op-1",
        "operator.refused",
        str(own),
        {"role": "operator", "tried": "webhooks.replay", "why": "cross-site"},
    ) in audit
    assert (
        "staff:op-1",
        "partner_dead_letter.replayed",
        str(own),
        {"role": "operator", "outcome": "delivered"},
    ) in audit


def test_a_warehouse_held_by_a_pipeline_run_is_a_503_that_says_so(served: Served) -> None:
    path = warehouse_settings(served.warehouse_url).path
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WAREHOUSE, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with client(served, "operator", "op-1") as operator:
            busy = operator.get("/quarantine")
            assert busy.status_code == 503 and "in use by a pipeline run" in busy.text
            assert operator.get("/dead-letters").status_code == 200  # the booking database's pages still work
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()
    with client(served, "operator", "op-1") as operator:
        assert operator.get("/quarantine").status_code == 200


def test_serve_says_in_one_line_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mymedic.cli import app

    monkeypatch.delenv("MYMEDIC_BOOKING_CONFIG", raising=False)
    not_data = CliRunner().invoke(app, ["operator", "serve", "--data", str(tmp_path)])
    assert not_data.exit_code == 1 and not_data.output.count("\n") == 1
    assert "not a data directory (no reference/branches.csv)" in not_data.output
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "branches.csv").write_text("tenant_id\n")
    no_config = CliRunner().invoke(app, ["operator", "serve", "--data", str(tmp_path)])
    assert (
        no_config.exit_code == 1 and no_config.output.count("\n") == 1 and "Traceback" not in no_config.output
    )
