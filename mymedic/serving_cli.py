"""`mymedic serving`: publish the serving copy by hand, and say what the published copy holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.cli_errors import fail
from core.settings import SERVING_ENV

serving_app = typer.Typer(
    help="The serving copy (DuckDB + Parquet) BI tools and the metrics API read.", no_args_is_help=True
)
ServingOption = Annotated[
    Path | None,
    typer.Option(
        envvar=SERVING_ENV, show_default=False, help="The serving folder (default .mymedic/serving)"
    ),
]


@serving_app.command("publish")
def publish(
    serving: ServingOption = None,
    phi: Annotated[bool, typer.Option(help="Also publish bi_phi (patient-linked columns)")] = False,
) -> None:
    """Create the bi views and publish the marts as they are now (what every successful run does)."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from core.warehouse import open_warehouse
    from serving.bi_views import create_bi_views
    from serving.layout import ServingLayout
    from serving.publish import PublishBusy, publish_marts

    layout = ServingLayout.from_env(serving)
    try:
        with open_warehouse() as w:
            create_bi_views(w)
            report = publish_marts(w, layout, phi=phi)
    except (LookupError, PublishBusy, ClickHouseError, OSError) as error:
        fail(
            f"{error}"
            if not isinstance(error, ClickHouseError)
            else "the warehouse has no marts yet: run `mymedic run` first"
        )
    typer.echo(
        f"published {report.duckdb_path} ({len(report.changed)} of {len(report.relations)} relations changed)"
    )
    typer.echo(f"parquet: {report.parquet_dir}")
    for tenant in report.tenants:
        typer.echo(f"tenant {tenant}: {layout.tenant_duckdb(tenant)}")


@serving_app.command("status")
def status(serving: ServingOption = None) -> None:
    """When the copy was published and how many rows each relation holds."""
    from core.time import to_ist
    from serving.layout import ServingLayout
    from serving.read import NotPublished, open_serving

    try:
        con = open_serving(ServingLayout.from_env(serving))
    except NotPublished as error:
        fail(str(error))
    with con:
        published_at, includes_phi = con.execute(
            "select published_at, includes_phi from serving.publication"
        ).fetchone()
        rows = con.execute(
            "select relation, row_count, changed from serving.relations order by relation"
        ).fetchall()
    table = Table(
        title=f"Serving copy published {to_ist(published_at):%Y-%m-%d %H:%M:%S} IST"
        + (" (with bi_phi)" if includes_phi else "")
    )
    for column in ("relation", "rows", "changed in that publish"):
        table.add_column(column)
    for relation, count, changed in rows:
        table.add_row(relation, f"{count:,}", "yes" if changed else "no")
    Console().print(table)
