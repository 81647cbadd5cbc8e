"""Dagster resources: the warehouse (one setting picks chDB or a server), where a run reads and writes, and
the Razorpay API the gateway pulls call.

The warehouse URL may carry a password and the Razorpay key secret is one, so neither becomes a config
value: `warehouse_resource()` and `razorpay_resource()` bind them as `EnvVar(...)`, which Dagster resolves
in the process that runs the step and shows in run config, the launchpad and the resources page as the
variable's name only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from core.razorpay_client import RazorpayClient
from core.settings import (
    DATA_ENV,
    DEFAULT_DATA,
    DEFAULT_EXPORTS,
    DEFAULT_SERVING,
    EXPORTS_ENV,
    RAZORPAY_API_URL_ENV,
    RAZORPAY_KEY_ID_ENV,
    RAZORPAY_KEY_SECRET_ENV,
    SERVING_ENV,
    SERVING_PHI_ENV,
    WAREHOUSE_ENV,
    RazorpaySettings,
    WarehouseSettings,
    warehouse_settings,
)
from core.warehouse import Warehouse, open_warehouse


class WarehouseResource(ConfigurableResource):
    """The ClickHouse warehouse. Each step opens it and closes it after (chDB: one process at a time)."""

    url: str = Field(
        default="",
        description=(
            f"chdb://DIR or http(s)://user:pass@host:port/db; bind it to EnvVar({WAREHOUSE_ENV!r}), never "
            f"a literal (it may carry a password). Empty: ${WAREHOUSE_ENV} at run time, else the default"
        ),
    )

    @property
    def settings(self) -> WarehouseSettings:
        return warehouse_settings(self.url or None)

    @contextmanager
    def open(self) -> Iterator[Warehouse]:
        with open_warehouse(self.settings) as warehouse:
            yield warehouse


class PipelineSettings(ConfigurableResource):
    """What a run reads and writes: the feeds' data directory, the exports folder, the as-of date."""

    data_dir: str = Field(default_factory=lambda: os.environ.get(DATA_ENV, str(DEFAULT_DATA)))
    exports_dir: str = Field(default_factory=lambda: os.environ.get(EXPORTS_ENV, str(DEFAULT_EXPORTS)))
    as_of: str = Field(default="", description="YYYY-MM-DD; empty: the latest date in the data")
    serving_dir: str = Field(
        default_factory=lambda: os.environ.get(SERVING_ENV, str(DEFAULT_SERVING)),
        description="Where the serving copy (DuckDB + Parquet) BI tools read is published",
    )
    serving_phi: bool = Field(
        default_factory=lambda: os.environ.get(SERVING_PHI_ENV, "") in ("1", "true", "yes"),
        description=f"Also publish the bi_phi schema (patient-linked columns); ${SERVING_PHI_ENV}=1",
    )

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def exports_path(self) -> Path:
        return Path(self.exports_dir)

    @property
    def as_of_date(self) -> date | None:
        return date.fromisoformat(self.as_of) if self.as_of else None


class RazorpayResource(ConfigurableResource):
    """The Razorpay account the gateway pulls read (HTTP Basic auth with its API key pair)."""

    key_id: str = Field(
        default="", description=f"Razorpay API key id; empty: ${RAZORPAY_KEY_ID_ENV} at run time"
    )
    key_secret: str = Field(
        default="",
        description=(
            f"Bind to EnvVar({RAZORPAY_KEY_SECRET_ENV!r}), never a literal (it would be stored with the run). "
            f"Empty: ${RAZORPAY_KEY_SECRET_ENV} at run time"
        ),
    )
    api_url: str = Field(
        default="", description=f"Base URL; empty: ${RAZORPAY_API_URL_ENV}, else https://api.razorpay.com"
    )

    @property
    def settings(self) -> RazorpaySettings:
        """Raises MissingSetting (one line, naming the variable) when a key is not set."""
        return RazorpaySettings.resolve(self.key_id, self.key_secret, self.api_url)

    def client(self) -> RazorpayClient:
        return RazorpayClient(self.settings)


def razorpay_resource() -> RazorpayResource:
    """The key pair as the environment names it: `EnvVar` for each variable set now (resolved when a step
    runs), else empty, read from the environment at run time, a missing one failing that step only."""
    return RazorpayResource(
        **{
            field: EnvVar(name)
            for field, name in (("key_id", RAZORPAY_KEY_ID_ENV), ("key_secret", RAZORPAY_KEY_SECRET_ENV))
            if os.environ.get(name)
        }
    )


def warehouse_resource() -> WarehouseResource:
    """The warehouse as the environment names it: `EnvVar` when the variable is set (resolved when a step
    runs), otherwise empty (the embedded default). Either way no URL is stored in the definitions."""
    return (
        WarehouseResource(url=EnvVar(WAREHOUSE_ENV)) if os.environ.get(WAREHOUSE_ENV) else WarehouseResource()
    )
