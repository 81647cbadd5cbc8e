"""The metrics API: `create_app()` wires the key file, the serving layer's tenant files, routes and errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from booking.api.problem_handlers import add_problem_handlers, problem
from serving.api import routes
from serving.api.auth import KeyRing
from serving.api.keys import KeyFileError, keys_path
from serving.api.tenant_files import TenantFiles
from serving.layout import ServingLayout

log = logging.getLogger("serving.api")

DESCRIPTION = """
Read-only metrics of a clinic chain from the platform's serving layer (the published copy of the marts;
never the live warehouse). Every call but `/healthz` needs the chain's API key in `X-API-Key`, and answers
only that chain's rows. Money is integer paise with the exact rupees as text beside it (`<x>_inr`); instants
are UTC, dates are IST calendar dates. `Accept: text/csv` gets the same rows as CSV. Each answer says when
its copy was published (`published_at`, and the `X-Serving-Published-At` header); pages link the next one
(`next`, and a `Link: <…>; rel="next"` header).
"""


async def _on_key_file_error(_request: Request, exc: Exception) -> JSONResponse:
    log.error("API key file: %s", exc)  # the operator's problem; the caller is not told the server's paths
    return problem(503, "the API's key file cannot be read; the operator must fix it, then retry")


def create_app(keys_file: Path | None = None, layout: ServingLayout | None = None) -> FastAPI:
    """The app over `layout` (default: `$MYMEDIC_SERVING`) with the keys of `keys_file` (default:
    `$MYMEDIC_API_KEYS`)."""
    tenant_files = TenantFiles(layout or ServingLayout.from_env())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        tenant_files.close()

    app = FastAPI(
        title="MyMedic metrics API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.keys = KeyRing(keys_path(keys_file))
    app.state.tenant_files = tenant_files
    app.include_router(routes.router)
    add_problem_handlers(app, www_authenticate='ApiKey header="X-API-Key"')
    app.add_exception_handler(KeyFileError, _on_key_file_error)
    return app


def create_app_from_env() -> FastAPI:
    """The app from `$MYMEDIC_API_KEYS` and `$MYMEDIC_SERVING` (uvicorn factory for several workers)."""
    return create_app()
