"""The FastAPI application: `create_app()` wires configuration, database, clock, routes and error handling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from booking.clock import Clock, SystemClock
from booking.db import Database, migrate
from booking.errors import DomainError
from booking.routes import admin, bookings, directory, webhooks
from booking.schemas import FieldError, Problem
from booking.service import BookingService
from booking.settings import BookingConfig, database_url, load_config

log = logging.getLogger("booking")

DESCRIPTION = """
The booking service of MyMedic: portal and widget calls with a tenant API key (`X-API-Key`), staff calls with
a bearer JWT. Money is in integer paise; times are UTC (RFC 3339). Every POST needs an `Idempotency-Key`.
Every state change writes its CloudEvent to the outbox in the same transaction
(`mymedic booking export-events`).
"""


def _problem(
    status: int, detail: str, errors: list[FieldError] | None = None, **headers: str
) -> JSONResponse:
    body = Problem(detail=detail, errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers or None)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = [FieldError(field=exc.field, message=exc.detail)] if exc.field else []
    headers = {"WWW-Authenticate": 'Bearer, ApiKey header="X-API-Key"'} if exc.status_code == 401 else {}
    return _problem(exc.status_code, exc.detail, errors, **headers)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(field=_field(e.get("loc", ())), message=str(e.get("msg", "invalid"))) for e in exc.errors()
    ]
    first = errors[0] if errors else FieldError(field="request", message="invalid")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return _problem(422, f"{first.field}: {first.message}{more}", errors)


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return _problem(exc.status_code, str(exc.detail), **(exc.headers or {}))


async def _on_integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    return _problem(409, "a concurrent change conflicted with this request; read the current state and retry")


async def _on_operational_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return _problem(503, "the database is busy or unavailable; retry shortly", **{"Retry-After": "1"})


def create_app(
    config: BookingConfig | None = None,
    *,
    db_url: str | None = None,
    clock: Clock | None = None,
    run_migrations: bool = False,
) -> FastAPI:
    config = config if config is not None else load_config()
    url = database_url(db_url)
    if run_migrations:
        migrate(url)
    service = BookingService(config=config, db=Database(url), clock=clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
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
    for router in (directory.router, bookings.router, webhooks.router, admin.router):
        app.include_router(router)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(OperationalError, _on_operational_error)
    return app


def create_app_from_env() -> FastAPI:
    """The app from `$MYMEDIC_BOOKING_CONFIG` and `$MYMEDIC_BOOKING_DB` (uvicorn factory for several workers)."""
    return create_app()
