"""`mymedic warehouse`: the ClickHouse server's access control for BI readers (serving/server_grants)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.cli_errors import fail as _fail
from core.cli_options import WarehouseUrl
from serving.server_grants.passwords import HashMethod
from serving.server_grants.plan import Limits

warehouse_app = typer.Typer(help="The warehouse server: BI readers' roles, users and row policies.",
                            no_args_is_help=True)  # fmt: skip
_LIMITS = Limits.model_fields


def _limit(name: str) -> typer.models.OptionInfo:
    field = _LIMITS[name]
    return typer.Option(f"--{name.replace('_', '-')}", min=1, help=f"Profile cap: {field.description}")


@warehouse_app.command("grants")
def grants(
    passwords: Annotated[
        Path,
        typer.Option(
            help="YAML secrets file, one `tenant_id: password` per tenant (16+ characters, chmod 600)"
        ),
    ],
    tenant: Annotated[
        list[str] | None,
        typer.Option(help="Grant this tenant (repeatable; default: every tenant in the marts)"),
    ] = None,
    phi_tenant: Annotated[
        list[str] | None, typer.Option(help="Also grant this tenant's user bi_phi_reader (repeatable)")
    ] = None,
    platform_user: Annotated[
        str, typer.Option(help="The platform's own user, which sees every row (default: the warehouse URL's)")
    ] = "",
    out: Annotated[
        Path | None, typer.Option(help="Write the SQL here (chmod 600), e.g. ClickHouse's init dir")
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Run the SQL on the warehouse")] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Do not connect: names from the warehouse URL, tenants from --tenant, database-wide row "
            "policies only (a server's first start, before any mart exists)",
        ),
    ] = False,
    hash_method: Annotated[
        HashMethod, typer.Option("--hash", help="How passwords are stored: salted sha256, or bcrypt")
    ] = HashMethod.sha256,
    max_memory_usage: Annotated[int, _limit("max_memory_usage")] = _LIMITS["max_memory_usage"].default,
    max_execution_time: Annotated[int, _limit("max_execution_time")] = _LIMITS["max_execution_time"].default,
    max_result_rows: Annotated[int, _limit("max_result_rows")] = _LIMITS["max_result_rows"].default,
    max_rows_to_read: Annotated[int, _limit("max_rows_to_read")] = _LIMITS["max_rows_to_read"].default,
    max_concurrent_queries_for_user: Annotated[int, _limit("max_concurrent_queries_for_user")] = _LIMITS[
        "max_concurrent_queries_for_user"
    ].default,
    readonly: Annotated[
        int,
        typer.Option(min=1, max=2, help="1: BI users change no setting; 2: they may change harmless ones"),
    ] = 1,
    warehouse: WarehouseUrl = "",
) -> None:
    """Generate (print, --out) and --apply the BI readers' roles, per-tenant users, settings profile and
    row policies, from the tenants and marts the warehouse holds."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from serving.server_grants import discover, render_script, statements
    from serving.server_grants.apply import apply_statements
    from serving.server_grants.passwords import PasswordError, read_passwords
    from serving.server_grants.plan import GrantError, GrantPlan, build_plan

    if offline and apply:
        _fail("--offline writes SQL without connecting: drop --apply, or --offline to apply it")
    if offline and not tenant:
        _fail("--offline cannot ask the warehouse for its tenants: name them with --tenant")
    limits = Limits(max_memory_usage=max_memory_usage, max_execution_time=max_execution_time,
                    max_result_rows=max_result_rows, max_rows_to_read=max_rows_to_read,
                    max_concurrent_queries_for_user=max_concurrent_queries_for_user,
                    readonly=readonly)  # fmt: skip
    applied = 0
    try:
        settings = warehouse_settings(warehouse or None)
        secrets = read_passwords(passwords)

        def plan_for(found_tenants: list[str], relations: list[discover.Relation]) -> GrantPlan:
            return build_plan(settings, tenants=tenant or found_tenants, relations=relations,
                              passwords=secrets, phi_tenants=phi_tenant or (), platform_user=platform_user,
                              limits=limits, hash_method=hash_method)  # fmt: skip

        if offline:
            plan = plan_for([], [])
            stmts = statements(plan)
        else:
            with open_warehouse(settings) as w:
                plan = plan_for(discover.tenants(w), discover.relations(w))
                stmts = statements(plan)
                if apply:
                    applied = apply_statements(w, stmts)
        script = render_script(plan, stmts)
        if out is not None:
            _write_private(out, script)
    except (GrantError, PasswordError, ValueError, OSError, ClickHouseError) as error:
        _fail(str(error))
    if out is None and not apply:
        sys.stdout.write(script)
    users = ", ".join(u.name for u in plan.users)
    done = f"{applied} statements applied" if apply else f"{len(stmts)} statements"
    typer.echo(f"grants: {users}; {len(plan.relations)} relations; {done}"
               + (f"; written to {out}" if out is not None else ""), err=True)  # fmt: skip


def _write_private(path: Path, text: str) -> None:
    """Write `path` atomically, readable by its owner only (it holds password hashes)."""
    from core.atomic_files import AtomicFiles

    with AtomicFiles() as files:
        temp = files.temp_for(path)
        os.chmod(temp, 0o600)
        temp.write_text(text, encoding="utf-8")
