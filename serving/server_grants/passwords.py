"""The BI users' passwords: read from a secrets file the operator keeps (never a default, never echoed),
written into SQL only as a salted SHA-256 or a bcrypt hash.

The file is YAML, one `tenant_id: password` per tenant, readable by its owner only (`chmod 600`), e.g. a
Docker secret. Passwords are at least 16 characters: generate them (`openssl rand -base64 24`).
"""

from __future__ import annotations

import hashlib
import secrets
import stat
from enum import StrEnum
from pathlib import Path

import bcrypt
import yaml
from pydantic import BaseModel, SecretStr

MIN_PASSWORD_LENGTH = 16


class PasswordError(ValueError):
    """The passwords file is missing, open to others or malformed; the message says what to do (one line)."""


class HashMethod(StrEnum):
    sha256 = "sha256"  # salted SHA-256: cheap to check, fine for 16+ random characters
    bcrypt = "bcrypt"  # slow by design; costs the server a bcrypt per HTTP request of a BI tool


class PasswordHash(BaseModel, frozen=True):
    """How ClickHouse identifies a user, as the `IDENTIFIED WITH ...` clause (the hash, never the password)."""

    method: HashMethod
    digest: SecretStr
    salt: str = ""

    def clause(self) -> str:
        digest = self.digest.get_secret_value()
        if self.method is HashMethod.bcrypt:
            return f"IDENTIFIED WITH bcrypt_hash BY '{digest}'"
        return f"IDENTIFIED WITH sha256_hash BY '{digest}' SALT '{self.salt}'"


def hash_password(password: SecretStr, method: HashMethod) -> PasswordHash:
    """ClickHouse checks sha256(password + salt) against a sha256_hash user's hex digest."""
    value = password.get_secret_value()
    if method is HashMethod.bcrypt:
        digest = bcrypt.hashpw(value.encode(), bcrypt.gensalt(rounds=12)).decode()
        return PasswordHash(method=method, digest=SecretStr(digest))
    salt = secrets.token_hex(16)
    digest = hashlib.sha256((value + salt).encode()).hexdigest()
    return PasswordHash(method=method, digest=SecretStr(digest), salt=salt)


def read_passwords(path: Path) -> dict[str, SecretStr]:
    """tenant_id -> password from the secrets file; a PasswordError naming the fix otherwise.

    No message quotes the file's content (a YAML error would show the line, password and all)."""
    where = f"--passwords {path}"
    if not path.is_file():
        raise PasswordError(f"{where}: no such file; write one `tenant_id: password` line per tenant")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PasswordError(f"{where} can be read by other users: chmod 600 {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise PasswordError(f"{where} is not YAML: write one `tenant_id: password` line per tenant") from None
    if not isinstance(data, dict) or not data:
        raise PasswordError(f"{where} holds no `tenant_id: password` lines")
    passwords: dict[str, SecretStr] = {}
    for tenant, password in data.items():
        if not isinstance(password, str):
            raise PasswordError(f"{where}: the password of {tenant} is not text; quote it")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise PasswordError(
                f"{where}: the password of {tenant} is shorter than {MIN_PASSWORD_LENGTH} characters; "
                "generate one, e.g. `openssl rand -base64 24`"
            )
        passwords[str(tenant)] = SecretStr(password)
    return passwords
