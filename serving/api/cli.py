"""`mymedic api …`: serve the metrics API, and make, list and revoke its keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from core.cli_errors import fail
from core.settings import API_KEYS_ENV

api_app = typer.Typer(help="The read-only metrics API over the serving layer.", no_args_is_help=True)
keys_app = typer.Typer(
    help="The API's keys (stored as SHA-256 digests, each for one tenant).", no_args_is_help=True
)
api_app.add_typer(keys_app, name="keys")

KeysOption = Annotated[
    Path | None,
    typer.Option(
        "--keys", dir_okay=False, help=f"Key file (default: ${API_KEYS_ENV} or .mymedic/api-keys.yaml)"
    ),
]


@api_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 8090,
    keys: KeysOption = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the API (OpenAPI at /openapi.json, docs at /docs), reading $MYMEDIC_SERVING's tenant files."""
    import os

    import uvicorn

    from serving.api.app import create_app
    from serving.api.keys import KeyFileError, keys_path, read_keys

    path = keys_path(keys)
    try:
        if not read_keys(path).root:
            typer.echo(
                f"warning: no API keys in {path}; every call will answer 401 (mymedic api keys add)", err=True
            )
    except KeyFileError as error:
        fail(str(error))
    if workers > 1:  # each worker process builds the app from the environment
        os.environ[API_KEYS_ENV] = str(path)
        uvicorn.run(
            "serving.api.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
            proxy_headers=False, log_level="warning",
        )  # fmt: skip
        return
    uvicorn.run(create_app(path), host=host, port=port, proxy_headers=False, log_level="warning")


@keys_app.command("add")
def keys_add(
    tenant: Annotated[str, typer.Option(help="The tenant (clinic chain) the key reads, e.g. tnt_arogya")],
    label: Annotated[str, typer.Option(help="Who or what uses it, e.g. metabase")],
    keys: KeysOption = None,
) -> None:
    """Make a key for a tenant and print it once (only its SHA-256 is stored)."""
    from serving.api.keys import KeyFileError, add_key, keys_path
    from serving.layout import ServingLayout

    path = keys_path(keys)
    try:
        key = add_key(path, tenant, label, now=datetime.now(UTC))
    except KeyFileError as error:
        fail(str(error))
    typer.echo(key)
    typer.echo(
        f"(the key for {tenant}, labelled {label!r}; it is not shown again. Stored in {path})", err=True
    )
    served = ServingLayout.from_env().tenant_duckdb(tenant)
    if not served.exists():
        typer.echo(
            f"warning: no serving copy of {tenant} at {served} yet: the key answers 503 until one is",
            err=True,
        )


@keys_app.command("list")
def keys_list(keys: KeysOption = None) -> None:
    """Each key's tenant, label, creation time and the start of its digest (never the key)."""
    from serving.api.keys import KeyFileError, keys_path, read_keys

    try:
        records = read_keys(keys_path(keys)).root
    except KeyFileError as error:
        fail(str(error))
    for digest, r in sorted(records.items(), key=lambda item: (item[1].tenant, item[1].label)):
        typer.echo(f"{r.tenant}\t{r.label}\t{r.created_at.isoformat()}\tsha256:{digest[:12]}…")


@keys_app.command("revoke")
def keys_revoke(
    tenant: Annotated[str, typer.Option(help="The key's tenant")],
    label: Annotated[str, typer.Option(help="The key's label")],
    keys: KeysOption = None,
) -> None:
    """Remove a key; the running API refuses it from its next request."""
    from serving.api.keys import KeyFileError, keys_path, revoke_key

    try:
        revoke_key(keys_path(keys), tenant, label)
    except KeyFileError as error:
        fail(str(error))
    typer.echo(f"revoked the key of {tenant} labelled {label!r}")
