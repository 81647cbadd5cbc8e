"""Random, unguessable identifiers in the gateway's style (`order_…`, `rfnd_…`) and ours (`bk_…`, `pat_…`)."""

from __future__ import annotations

import secrets

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str, length: int = 14) -> str:
    return prefix + "".join(secrets.choice(BASE62) for _ in range(length))
