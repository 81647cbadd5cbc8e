"""FastAPI dependencies: the service, the caller (tenant API key or staff JWT), the Idempotency-Key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from booking.api.auth import Principal
from booking.api.schemas import KEY_PATTERN, Problem
from booking.api.service import BookingService
from booking.domain.errors import Forbidden

api_key_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="TenantApiKey", description="A tenant's portal/widget key"
)
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="StaffJWT", description="Staff JWT (OIDC, JWKS-verified)"
)


def get_service(request: Request) -> BookingService:
    return request.app.state.service


def get_principal(
    request: Request,
    api_key: Annotated[str | None, Security(api_key_scheme)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> Principal:
    service = get_service(request)
    return service.authenticator.authenticate(api_key, bearer.credentials if bearer else None)


def get_staff(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.is_staff:
        raise Forbidden("only clinic staff (bearer token) may do this")
    return principal


Service = Annotated[BookingService, Depends(get_service)]
Caller = Annotated[Principal, Depends(get_principal)]
Staff = Annotated[Principal, Depends(get_staff)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Required on every POST: a unique key per intended change (8-128 characters)",
    ),
]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed request"),
    401: _problem("No or invalid credentials"),
    403: _problem("Not allowed for this caller"),
    404: _problem("Not found (or another tenant's)"),
    409: _problem("Conflicts with the current state (e.g. the slot is taken)"),
    413: _problem("Body too large (the limit holds on every route, checked as the body streams)"),
    422: _problem("A field is invalid, or an Idempotency-Key was reused with a different request"),
    502: _problem("The payment gateway did not answer, or refused this clinic's API keys"),
    503: _problem("The database or the staff identity provider cannot be reached just now; retry"),
}
WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("The body is not a valid webhook payload"),
    401: _problem("Missing, forged or stale signature"),
    403: _problem("Source IP not in the allowlist"),
    413: _problem("Body too large"),
    409: _problem("The payment gateway refused a refund this event calls for; Razorpay retries the webhook"),
    422: _problem("A header is invalid"),
    502: _problem("A refund could not be made at the payment gateway; Razorpay retries the webhook"),
}
