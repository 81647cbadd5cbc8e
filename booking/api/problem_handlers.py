"""Every error as a `Problem` body: domain errors, request validation and HTTP errors each become one sentence
(and, for validation, each field and why). Shared by the booking service and the metrics API."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from booking.api.schemas import FieldError, Problem
from booking.domain.errors import DomainError


def problem(status: int, detail: str, errors: list[FieldError] | None = None, **headers: str) -> JSONResponse:
    body = Problem(detail=detail, errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers or None)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(field=_field(e.get("loc", ())), message=str(e.get("msg", "invalid"))) for e in exc.errors()
    ]
    first = errors[0] if errors else FieldError(field="request", message="invalid")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem(422, f"{first.field}: {first.message}{more}", errors)


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), **(exc.headers or {}))


def add_problem_handlers(app: FastAPI, *, www_authenticate: str) -> None:
    """Domain errors, validation errors and HTTP errors answer a `Problem`; a 401 says how to authenticate."""

    async def on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        errors = [FieldError(field=exc.field, message=exc.detail)] if exc.field else []
        headers = {"WWW-Authenticate": www_authenticate} if exc.status_code == 401 else {}
        return problem(exc.status_code, exc.detail, errors, **headers)

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
