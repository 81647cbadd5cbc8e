"""Configuration validation: what `load_config` refuses, and how the CLI says so (one line, exit 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from booking_harness import OTHER, TELE_APP_SECRET, TENANT

from booking.settings import ConfigError, load_config

SHARED = "whsec_shared_by_two_tenants_0001"


def _config(razorpay: dict[str, str], tele: dict[str, str] | None = None) -> dict[str, Any]:
    def tenant(tenant_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {"tenant_id": tenant_id, "razorpay": {"secrets": [razorpay[tenant_id]]}}
        if tele:
            body["tele"] = {"app_secret": TELE_APP_SECRET, "webhook": {"secrets": [tele[tenant_id]]}}
        return body

    return {"tenants": [tenant(TENANT), tenant(OTHER)]}


@pytest.mark.parametrize(
    ("config", "source"),
    [
        (_config({TENANT: "whsec_a", OTHER: SHARED}), None),
        (_config({TENANT: SHARED, OTHER: SHARED}), "razorpay"),
        (_config({TENANT: "whsec_a", OTHER: "whsec_b"}, {TENANT: SHARED, OTHER: SHARED}), "tele"),
    ],
)
def test_two_tenants_with_one_webhook_secret_are_refused(config: dict[str, Any], source: str | None) -> None:
    if source is None:  # distinct secrets load
        assert [t.tenant_id for t in load_config(json.dumps(config)).tenants] == [TENANT, OTHER]
        return
    with pytest.raises(ConfigError) as refused:
        load_config(json.dumps(config))
    message = str(refused.value)
    assert message == (
        f"the inline booking config: tenants {TENANT} and {OTHER} have the same {source} webhook secret; "
        "give each tenant its own (the secret is what tells their webhooks apart)"
    )
    assert SHARED not in message and "\n" not in message


def test_a_secret_shared_while_rotating_within_one_tenant_is_fine() -> None:
    config = _config({TENANT: SHARED, OTHER: "whsec_other"})
    config["tenants"][0]["razorpay"]["secrets"] = [SHARED, "whsec_new_one"]
    assert load_config(json.dumps(config)).tenants[0].tenant_id == TENANT


def test_cli_refuses_the_config_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(_config({TENANT: SHARED, OTHER: SHARED})))
    result = subprocess.run(
        [sys.executable, "-m", "mymedic.cli", "booking", "serve", "--port", "9", "--db",
         f"sqlite:///{tmp_path / 'never.db'}", "--config", str(path)],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: booking config {path}: tenants {TENANT} and {OTHER} have the same razorpay webhook secret; "
        "give each tenant its own (the secret is what tells their webhooks apart)"
    ]
    assert SHARED not in result.stdout + result.stderr
    assert not (tmp_path / "never.db").exists()  # refused before touching the database
