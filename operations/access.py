"""Who is signed in to the operator page, and what they may do: the booking service's staff JWTs
(booking/api/auth.py, the same identity provider and tenants), with one of two roles in the roles claim.

- `viewer`: reads the quarantine, the dead letters and integration health, with PHI masked.
- `operator`: also sees records as received, fixes and replays them, and replays dead letters.

A browser sends the token once (the sign-in form) and then carries it in an HttpOnly, SameSite=Strict
cookie; scripts send `Authorization: Bearer …`. Every request verifies the token again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from booking.api.auth import Authenticator, Principal
from booking.domain.clock import Clock
from booking.domain.errors import Forbidden, Unauthorized
from booking.settings import BookingConfig

Role = Literal["viewer", "operator"]
VIEWER: Role = "viewer"
OPERATOR: Role = "operator"
ROLES: tuple[Role, ...] = (VIEWER, OPERATOR)
COOKIE = "mymedic_operator"


@dataclass(frozen=True, slots=True)
class Staff:
    principal: Principal
    role: Role

    @property
    def actor(self) -> str:
        return self.principal.actor

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    @property
    def operator(self) -> bool:
        return self.role == OPERATOR

    def require_operator(self, what: str) -> None:
        if not self.operator:
            raise Forbidden(
                f"{what} needs the {OPERATOR} role; ask an administrator, or an operator to do it"
            )


class StaffSignIn:
    """Verifies staff tokens as the booking service does, accepting the operator page's roles only."""

    def __init__(self, config: BookingConfig, clock: Clock) -> None:
        if config.staff_auth is None:
            raise ValueError(
                "the booking configuration has no staff_auth block: the operator page signs staff in with it"
            )
        page_config = config.model_copy(
            update={"staff_auth": config.staff_auth.model_copy(update={"staff_roles": list(ROLES)})}
        )
        self._authenticator = Authenticator(page_config, clock)

    def close(self) -> None:
        self._authenticator.close()

    def staff(self, token: str | None) -> Staff:
        if not token:
            raise Unauthorized(
                "sign in with your staff token (the sign-in page), or send Authorization: Bearer"
            )
        principal = self._authenticator.from_bearer(token)
        return Staff(principal, OPERATOR if OPERATOR in principal.roles else VIEWER)
