"""`mymedic bi`: provision Superset with the dashboards (serving/dashboards/), or run a local one."""

from __future__ import annotations

import contextlib
import signal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from core.settings import (
    BI_CLICKHOUSE_URL_ENV,
    SERVING_ENV,
    SUPERSET_PASSWORD_ENV,
    SUPERSET_USERNAME_ENV,
    MissingSetting,
)
from mymedic.export_cli import _fail

if TYPE_CHECKING:
    from core.settings import SupersetLogin
    from serving.superset.provision import DatabaseTarget

bi_app = typer.Typer(help="BI: Superset provisioned from the dashboards as code.", no_args_is_help=True)
console = Console()
DEFAULT_HOME = Path(".mymedic/superset")


class Deployment(StrEnum):
    embedded = "embedded"
    server = "server"


def _target(deployment: Deployment, serving: Path | None) -> DatabaseTarget:
    import os

    from core.settings import parse_warehouse_url
    from serving.layout import ServingLayout
    from serving.superset.definitions import load_definitions
    from serving.superset.provision import DatabaseTarget

    schema = load_definitions().connection.schema_
    if deployment is Deployment.server:
        url = os.environ.get(BI_CLICKHOUSE_URL_ENV, "")
        if not url:
            raise MissingSetting(
                f"a server deployment reads ClickHouse as the BI user: set {BI_CLICKHOUSE_URL_ENV}"
            )
        try:
            settings = parse_warehouse_url(url)
        except ValueError:
            raise MissingSetting(
                f"{BI_CLICKHOUSE_URL_ENV} is not an http(s)://user:pass@host:port/db URL"
            ) from None
        if settings.embedded:
            raise MissingSetting(f"{BI_CLICKHOUSE_URL_ENV} must name a ClickHouse server, not chdb://")
        return DatabaseTarget.server(settings, schema)
    path = ServingLayout.from_env(serving).duckdb_path
    if not path.is_file():
        raise MissingSetting(f"no serving copy at {path}: run `mymedic run` first (or set {SERVING_ENV})")
    return DatabaseTarget.embedded(path, schema)


def _provision(url: str, login: SupersetLogin, target: DatabaseTarget) -> None:
    from serving.superset.client import SupersetClient
    from serving.superset.definitions import load_definitions
    from serving.superset.provision import provision

    with SupersetClient(url, login.username, login.password) as client:
        report = provision(client, load_definitions(), target)
    for line in report.lines():
        console.print(line, soft_wrap=True)
    for slug in report.dashboard_ids:
        console.print(f"dashboard: [bold]{url.rstrip('/')}/superset/dashboard/{slug}/[/bold]", soft_wrap=True)


@bi_app.command("provision")
def provision_command(
    url: Annotated[str, typer.Option(help="Superset's address, e.g. http://127.0.0.1:8088")],
    deployment: Annotated[
        Deployment,
        typer.Option(
            help=f"embedded: the serving DuckDB file; server: ClickHouse at ${BI_CLICKHOUSE_URL_ENV}"
        ),
    ] = Deployment.embedded,
    serving: Annotated[Path | None, typer.Option(help=f"Serving folder (default ${SERVING_ENV})")] = None,
) -> None:
    """Create or update the database, datasets, charts and dashboards; a second run changes nothing.
    Logs in as $MYMEDIC_SUPERSET_USERNAME with $MYMEDIC_SUPERSET_PASSWORD."""
    from core.settings import SupersetLogin as Login
    from serving.superset.client import SupersetError
    from serving.superset.definitions import DefinitionError

    try:
        _provision(url, Login.resolve(), _target(deployment, serving))
    except (MissingSetting, SupersetError, DefinitionError) as error:
        _fail(str(error))


@bi_app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8088,
    home: Annotated[Path, typer.Option(help="Its metadata, secret key and log")] = DEFAULT_HOME,
    serving: Annotated[Path | None, typer.Option(help=f"Serving folder (default ${SERVING_ENV})")] = None,
) -> None:
    """Run a local Superset (from .venv-bi) provisioned with the dashboards, until Ctrl-C."""
    import os

    from core.settings import SupersetLogin as Login
    from serving.superset.client import SupersetError
    from serving.superset.definitions import DefinitionError
    from serving.superset.local import LocalSuperset, LocalSupersetError, secret_in

    try:
        if os.environ.get(SUPERSET_USERNAME_ENV) or os.environ.get(SUPERSET_PASSWORD_ENV):
            login = Login.resolve()
        else:  # local use only: a throwaway password, generated once, readable by this user alone
            login = Login(username="admin", password=secret_in(home.absolute() / "admin-password"))
            console.print(f"log in as admin with the password in {home.absolute() / 'admin-password'}")
        target = _target(Deployment.embedded, serving)
        superset = LocalSuperset(home, port)
        superset.setup(login.username, login.password)
        with superset:
            _provision(superset.url, login, target)
            console.print(f"Superset on {superset.url} (log: {superset.log_path}); Ctrl-C stops it")
            signal.signal(signal.SIGTERM, signal.default_int_handler)  # stops it as Ctrl-C does
            with contextlib.suppress(KeyboardInterrupt):
                superset.process.wait()  # type: ignore[union-attr]
    except (MissingSetting, SupersetError, DefinitionError, LocalSupersetError) as error:
        _fail(str(error))
