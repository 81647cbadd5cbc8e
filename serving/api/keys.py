"""The metrics API's keys: a YAML file (`$MYMEDIC_API_KEYS`, default `.mymedic/api-keys.yaml`) mapping each
key's SHA-256 digest to its tenant and a label. The key itself is shown once, when it is made, and never
stored; the file is written atomically with mode 0600.

```yaml
3f5a…(64 hex digits):
  tenant: tnt_arogya
  label: metabase
  created_at: 2026-12-01T06:00:00Z
```
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, RootModel, ValidationError

from booking.settings import hash_api_key
from core.atomic_files import AtomicFiles
from core.settings import API_KEYS_ENV, DEFAULT_API_KEYS
from serving.layout import ServingLayout

KEY_PREFIX = "mmk_"
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class KeyFileError(Exception):
    """The key file cannot be read or is not valid, or a key cannot be added or revoked: one line saying why."""


def _tenant_id(tenant: str) -> str:
    """The serving layout's rule for a tenant id (it names the tenant's folder); raises ValueError."""
    ServingLayout(Path()).tenant_duckdb(tenant)
    return tenant


class ApiKeyRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: Annotated[str, AfterValidator(_tenant_id)]
    label: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
    created_at: AwareDatetime


class KeyFile(RootModel[dict[Digest, ApiKeyRecord]]):
    root: dict[Digest, ApiKeyRecord] = Field(default_factory=dict)

    def find(self, key: str) -> ApiKeyRecord | None:
        return self.root.get(hash_api_key(key))


def keys_path(path: Path | None = None) -> Path:
    """`path`, else `$MYMEDIC_API_KEYS`, else `.mymedic/api-keys.yaml`."""
    if path is not None:
        return path
    return Path(os.environ.get(API_KEYS_ENV) or DEFAULT_API_KEYS)


def read_keys(path: Path) -> KeyFile:
    """The keys in `path`; a missing file holds none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KeyFile()
    except OSError as error:
        raise KeyFileError(f"cannot read the API key file {path}: {error.strerror}") from None
    try:
        return KeyFile.model_validate(yaml.safe_load(text) or {})
    except yaml.YAMLError:
        raise KeyFileError(f"the API key file {path} is not valid YAML") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise KeyFileError(f"the API key file {path} is not valid at {where}: {first['msg']}") from None


def write_keys(path: Path, keys: KeyFile) -> None:
    data = {digest: record.model_dump(mode="json") for digest, record in sorted(keys.root.items())}
    with AtomicFiles() as files:
        temp = files.temp_for(path)
        temp.chmod(0o600)
        temp.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def add_key(path: Path, tenant: str, label: str, *, now: datetime) -> str:
    """Make a new key for `tenant`, store its digest in `path` and return the key (shown once)."""
    try:
        _tenant_id(tenant)
    except ValueError as error:
        raise KeyFileError(str(error)) from None
    if not label.strip() or len(label) > 100 or not label.isprintable():
        raise KeyFileError("the label must be 1 to 100 printable characters, e.g. metabase")
    keys = read_keys(path)
    record = ApiKeyRecord(tenant=tenant, label=label, created_at=now)
    if any(r.tenant == tenant and r.label == label for r in keys.root.values()):
        raise KeyFileError(
            f"tenant {tenant} already has a key labelled {label!r}; revoke it or pick another label"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    write_keys(path, KeyFile({**keys.root, hash_api_key(key): record}))
    return key


def revoke_key(path: Path, tenant: str, label: str) -> None:
    keys = read_keys(path)
    kept = {d: r for d, r in keys.root.items() if not (r.tenant == tenant and r.label == label)}
    if len(kept) == len(keys.root):
        raise KeyFileError(f"tenant {tenant} has no key labelled {label!r} in {path}")
    write_keys(path, KeyFile(kept))
