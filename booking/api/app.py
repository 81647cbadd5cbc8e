"""The FastAPI application: `create_app()` wires configuration, database, clock, routes and error handling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from booking.api.body_limit import BodyLimit
from booking.api.problem_handlers import add_problem_handlers, problem
from booking.api.routes import admin, adt, bookings, directory, message_webhooks, webhooks, widget
from booking.api.service import BookingService
from booking.domain.clock import Clock, SystemClock
from booking.infra.db import Database, migrate
from booking.integrations.razorpay_api import Gateways
from booking.settings import BookingConfig, database_url, load_config

log = logging.getLogger("booking")

DESCRIPTION = """
The booking service of MyMedic: portal and widget calls with a tenant API key (`X-API-Key`), staff calls with
a bearer JWT. Money is in integer paise; times are UTC (RFC 3339). Every POST needs an `Idempotency-Key`.
Every state change writes its CloudEvent to the outbox in the same transaction
(`mymedic booking export-events`).
"""


async def _on_integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(409, "a concurrent change conflicted with this request; read the current state and retry")


async def _on_operational_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem(503, "the database is busy or unavailable; retry shortly", **{"Retry-After": "1"})


def create_app(
    config: BookingConfig | None = None,
    *,
    db_url: str | None = None,
    clock: Clock | None = None,
    run_migrations: bool = False,
    gateways: Gateways | None = None,
) -> FastAPI:
    config = config if config is not None else load_config()
    url = database_url(db_url)
    if run_migrations:
        migrate(url)
    service = BookingService(
        config=config, db=Database(url), clock=clock or SystemClock(), gateways=gateways or Gateways()
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        service.gateways.close()
        service.authenticator.close()
        service.db.dispose()

    app = FastAPI(
        title="MyMedic booking service",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.service = service
    for router in (
        directory.router,
        bookings.router,
        webhooks.router,
        message_webhooks.router,
        admin.router,
        widget.router,
        adt.router,
    ):
        app.include_router(router)
    add_problem_handlers(app, www_authenticate='Bearer, ApiKey header="X-API-Key"')
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(OperationalError, _on_operational_error)
    app.add_middleware(BodyLimit)  # every route: counts the body as it streams, 413 past the limit
    return app


def create_app_from_env() -> FastAPI:
    """The app from `$MYMEDIC_BOOKING_CONFIG` and `$MYMEDIC_BOOKING_DB` (uvicorn factory for several workers)."""
    return create_app()
