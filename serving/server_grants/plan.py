"""What `mymedic warehouse grants` grants, decided before any SQL is written.

- role `bi_reader`: SELECT on the `bi` database and on every column but the PHI ones of the marts with a tenant
  column (a mart without one, fct_integration_health_daily, is the platform's alone; column grants,
  from the tables the warehouse holds: a mart added later is unreadable until grants run again);
- role `bi_phi_reader`: SELECT on `bi_phi` and on the marts' PHI columns, granted only to the tenants asked;
- settings profile `bi_reader_profile`: readonly plus caps on memory, time, result size and concurrency;
- one user per tenant, `bi_<tenant_id>`, with bi_reader and the profile;
- row policies: on each relation with a tenant column, each tenant's user sees its own rows and the
  platform's user every row; a relation without one is the platform's alone; database-wide policies on
  `marts` cover tables made after the grants (dbt's transient copies, a new mart). Once any policy exists
  on a table, a user with none sees no row of it, hence the platform's own `USING 1` policy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field, SecretStr

from core.settings import WarehouseSettings
from serving.bi_views import MARTS, quote, text
from serving.server_grants.discover import Relation
from serving.server_grants.passwords import HashMethod, PasswordHash, hash_password

READER_ROLE = "bi_reader"
PHI_READER_ROLE = "bi_phi_reader"
PROFILE = "bi_reader_profile"
USER_PREFIX = "bi_"
TENANT_POLICY_PREFIX = "mymedic_tenant_"
PLATFORM_POLICY = "mymedic_platform"
TENANT_ID = re.compile(r"[A-Za-z0-9_]{1,64}")


class GrantError(ValueError):
    """A mistake in what was asked (unknown tenant, missing password, ...): one line saying what to do."""


class Limits(BaseModel, frozen=True):
    """The settings profile's caps for BI queries (each overridable on the command line)."""

    max_memory_usage: int = Field(default=4_000_000_000, gt=0, description="bytes per query")
    max_execution_time: int = Field(default=120, gt=0, description="seconds per query")
    max_result_rows: int = Field(default=1_000_000, gt=0, description="rows a query may return")
    max_rows_to_read: int = Field(default=2_000_000_000, gt=0, description="rows a query may scan")
    max_concurrent_queries_for_user: int = Field(default=8, gt=0, description="queries at once per user")
    readonly: int = Field(default=1, ge=1, le=2, description="1: no setting changes; 2: harmless ones")


@dataclass(frozen=True)
class TenantUser:
    tenant_id: str
    password: PasswordHash  # its repr hides the digest
    phi: bool

    @property
    def name(self) -> str:
        return f"{USER_PREFIX}{self.tenant_id}"

    @property
    def policy(self) -> str:
        return f"{TENANT_POLICY_PREFIX}{self.tenant_id}"


@dataclass(frozen=True)
class RowPolicy:
    name: str
    database: str  # the server's database name
    table: str | None  # None: every table of the database
    condition: str  # ClickHouse SQL
    to: str  # the user it filters for


@dataclass(frozen=True)
class GrantPlan:
    settings: WarehouseSettings
    platform_user: str
    users: tuple[TenantUser, ...]
    relations: tuple[Relation, ...]
    limits: Limits

    def db(self, logical: str) -> str:
        return self.settings.db(logical)

    @property
    def marts(self) -> tuple[Relation, ...]:
        return tuple(r for r in self.relations if r.database == MARTS)

    def policies(self) -> list[RowPolicy]:
        """Each tenant's user sees its rows, the platform's user all, of every relation but the shared ones;
        a relation without a tenant column is the platform's alone; every table of the marts database,
        including those made after these grants, is covered database-wide."""

        def on(database: str, table: str | None, column: str | None) -> list[RowPolicy]:
            own = [RowPolicy(PLATFORM_POLICY, database, table, "1", self.platform_user)]
            if column is None:
                return own
            return own + [
                RowPolicy(u.policy, database, table, f"{quote(column)} = {text(u.tenant_id)}", u.name)
                for u in self.users
            ]

        out = on(self.db(MARTS), None, "tenant_id")
        for relation in self.relations:
            if not relation.shared:
                out += on(self.db(relation.database), relation.name, relation.tenant_column)
        return out


def build_plan(
    settings: WarehouseSettings,
    *,
    tenants: Sequence[str],
    relations: Sequence[Relation],
    passwords: dict[str, SecretStr],
    phi_tenants: Sequence[str] = (),
    platform_user: str = "",
    limits: Limits | None = None,
    hash_method: HashMethod = HashMethod.sha256,
) -> GrantPlan:
    if not tenants:
        raise GrantError(
            "no tenants: the warehouse has no marts.dim_branches rows yet; name them with --tenant"
        )
    for tenant in [*tenants, *phi_tenants]:
        if not TENANT_ID.fullmatch(tenant):
            raise GrantError(f"tenant id {tenant!r} is not 1-64 letters, digits or underscores")
    unknown = sorted(set(phi_tenants) - set(tenants))
    if unknown:
        raise GrantError(f"--phi-tenant {', '.join(unknown)} is not among the tenants granted")
    missing = [t for t in tenants if t not in passwords]
    if missing:
        raise GrantError(f"no password for tenant {', '.join(missing)} in the --passwords file")
    platform = platform_user or settings.username
    if platform.startswith(USER_PREFIX) and platform.removeprefix(USER_PREFIX) in tenants:
        raise GrantError(f"--platform-user {platform} is a tenant's BI user; name the platform's own user")
    users = tuple(
        TenantUser(t, hash_password(passwords[t], hash_method), phi=t in phi_tenants)
        for t in sorted(set(tenants))
    )
    return GrantPlan(settings, platform, users, tuple(relations), limits or Limits())
