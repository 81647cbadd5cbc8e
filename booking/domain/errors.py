"""Domain errors: each becomes a 4xx with a sentence saying what is wrong (never a 500 for bad input)."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Unprocessable(DomainError):
    status_code = 422


class Unavailable(DomainError):
    """A provider this service depends on (the staff identity provider) cannot be read just now."""

    status_code = 503


class BadGateway(DomainError):
    """A provider we call (the payment gateway) failed or refused our credentials: not the caller's fault."""

    status_code = 502
