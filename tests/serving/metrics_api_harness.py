"""The metrics API tests' world: two clinic chains through the real pipeline into one warehouse, published
to one serving folder, and an API key for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import run_pipeline
from sampledata import write_sample
from serving.api.keys import add_key
from serving.layout import ServingLayout

A, B = "tnt_arogya", "tnt_sehat"
# Chain B has a third branch chain A does not (br_* ids repeat across chains: the first two are the same).
CHAINS = {A: {"seed": 42, "branches": 2}, B: {"seed": 7, "branches": 3}}
START = date(2026, 10, 1)
NOW = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Served:
    root: Path
    warehouse_url: str
    layout: ServingLayout
    keys_file: Path
    keys: dict[str, str]  # tenant -> its API key

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The warehouse's own answer (chDB), to hold the API's against."""
        with open_warehouse(warehouse_settings(self.warehouse_url)) as w:
            return w.dicts(sql.replace("{marts}", w.db("marts")), parameters)

    def headers(self, tenant: str, **more: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[tenant], **more}


def build(root: Path) -> Served:
    url = f"chdb://{root / 'warehouse'}"
    serving = root / "serving"
    for tenant, chain in CHAINS.items():
        data = root / tenant
        # no messaging: the API serves none of it, and its ~90 provider logs would each be a load
        write_sample(
            data, days=5, start=START, bookings_per_branch_day=10, tenant=tenant, messages=False, **chain
        )
        report = run_pipeline(data, root / "exports", warehouse_url=url, serving_dir=serving)
        assert report.success and report.serving, report
    keys_file = root / "api-keys.yaml"
    keys = {tenant: add_key(keys_file, tenant, "tests", now=NOW) for tenant in CHAINS}
    return Served(root, url, ServingLayout(serving), keys_file, keys)
