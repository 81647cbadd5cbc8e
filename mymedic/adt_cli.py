"""`mymedic adt`: the HL7 v2 ADT MLLP listener (ingestion/mllp)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from core.cli_errors import fail as _fail
from core.settings import DATA_ENV, DEFAULT_DATA

adt_app = typer.Typer(help="Clinical ADT feeds: the HL7 v2 MLLP listener.", no_args_is_help=True)


@adt_app.command("listen")
def listen(
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free port, printed)")] = 2575,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar=DATA_ENV,
            show_default=False,
            help="Data directory; messages are spooled to <data-dir>/adt/mllp/ (default .mymedic/sample)",
        ),
    ] = None,
    max_bytes: Annotated[
        int,
        typer.Option(
            min=1024, help="Largest message accepted; a larger frame gets AR and the connection closes"
        ),
    ] = 1024 * 1024,
    max_connections: Annotated[
        int, typer.Option(min=1, help="Connections served at once; another one is closed at once")
    ] = 256,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Log every accepted message's control id")
    ] = False,
    ops_interval: Annotated[
        float,
        typer.Option(
            min=1.0,
            help="Seconds between the listener's operational events (<data-dir>/events/, for integration health)",
        ),
    ] = 60.0,
) -> None:
    """Accept HL7 v2 ADT messages over MLLP; store each durably in the spool before answering AA."""
    from ingestion.feeds.reference.reader import tenant_of
    from ingestion.mllp.listener import Listener

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # python-hl7 logs a field's value when it cannot unescape it (logger named by its file): keep message
    # content out of the listener's log.
    import hl7.util

    logging.getLogger(hl7.util.__file__).setLevel(logging.CRITICAL)
    folder = data_dir or DEFAULT_DATA
    try:
        tenant = tenant_of(folder)
    except (FileNotFoundError, ValueError):  # no reference/branches.csv, or no tenant in it
        tenant = ""
        logging.getLogger("mymedic.adt.mllp").warning(
            "%s/reference/branches.csv names no tenant: the listener writes no operational events", folder
        )

    async def main() -> None:
        listener = Listener(
            folder,
            max_bytes=max_bytes,
            max_connections=max_connections,
            tenant_id=tenant,
            ops_interval=ops_interval,
        )
        if listener.spool.recovered:
            logging.getLogger("mymedic.adt.mllp").warning(
                "published %d open spool segment(s) left by a crash (cut after their last whole message)",
                listener.spool.recovered,
            )
        bound_host, bound_port = await listener.start(host, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"listening on {bound_host}:{bound_port}, spool {listener.spool.folder}", flush=True)
        serving = asyncio.create_task(listener.serve_forever())
        await stop.wait()
        serving.cancel()
        await listener.close()
        c = listener.counts
        print(f"stopped: {c.accepted} stored, {c.duplicates} duplicates, {c.refused} refused", flush=True)

    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(main())
    except OSError as error:
        _fail(f"cannot listen on {host}:{port} or write to {folder}: {error.strerror or error}")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop (libuv) when installed, else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


__all__ = ["adt_app"]
