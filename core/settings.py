"""Where things live: the one warehouse setting, the default folders, and the name of every environment
variable the platform reads or sets (declared here once; everything else imports the constant).

The booking service owns its own two variables (`booking.settings.CONFIG_ENV` and `DB_ENV`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import BaseModel, Field, SecretStr

from core.cli_errors import UserFacingError, explain, redact_url

# What a deployment sets.
WAREHOUSE_ENV = "MYMEDIC_WAREHOUSE"  # chdb://DIR or http(s)://user:pass@host:port/db; may carry a password
explain(
    "clickhouse_connect.driver.exceptions.OperationalError",
    lambda first: (
        f"lost the warehouse server ({first}): check that it is running and that {WAREHOUSE_ENV} "
        "names it, then run the command again"
    ),
)
DATA_ENV = "MYMEDIC_DATA"  # the feeds' data directory Dagster runs read
EXPORTS_ENV = "MYMEDIC_EXPORTS"  # where Dagster runs write the exports
# The Razorpay API the platform pulls settlement recon and refund statuses from (HTTP Basic auth).
RAZORPAY_KEY_ID_ENV = "MYMEDIC_RAZORPAY_KEY_ID"
RAZORPAY_KEY_SECRET_ENV = "MYMEDIC_RAZORPAY_KEY_SECRET"  # a secret: never logged, never a config value
RAZORPAY_API_URL_ENV = "MYMEDIC_RAZORPAY_API_URL"  # base URL; tests point it at a local server
# Export bundles (exports/framework): the key that signs each bundle's manifest (HMAC-SHA256), the secret
# each recipient's patient-id salt is derived from, the SFTP password and known_hosts file for delivery,
# and the folder of bundle specs (default: exports/bundles in the project). All but the folder are secrets.
EXPORT_SIGNING_KEY_ENV = "MYMEDIC_EXPORT_SIGNING_KEY"
EXPORT_SALT_ENV = "MYMEDIC_EXPORT_SALT"
EXPORT_SFTP_PASSWORD_ENV = "MYMEDIC_EXPORT_SFTP_PASSWORD"
EXPORT_SFTP_KNOWN_HOSTS_ENV = "MYMEDIC_EXPORT_SFTP_KNOWN_HOSTS"
EXPORT_BUNDLES_ENV = "MYMEDIC_EXPORT_BUNDLES"
# The serving copy BI tools and the metrics API read (serving/): its folder, and whether it also carries
# the `bi_phi` schema (patient-linked columns); off unless a deployment asks for it.
SERVING_ENV = "MYMEDIC_SERVING"
SERVING_PHI_ENV = "MYMEDIC_SERVING_PHI"
# The metrics API (serving/api): the YAML file of its API keys, stored as SHA-256 digests with their tenant.
API_KEYS_ENV = "MYMEDIC_API_KEYS"
# Superset (`mymedic bi`): the account provisioning logs in with, and for a server deployment the
# read-only BI user's ClickHouse URL (http(s)://bi_<tenant_id>:pass@host:port/db, a user
# `mymedic warehouse grants` made; bi_reader is a role, not a user) its datasets read through.
SUPERSET_USERNAME_ENV = "MYMEDIC_SUPERSET_USERNAME"
SUPERSET_PASSWORD_ENV = "MYMEDIC_SUPERSET_PASSWORD"  # a secret: never logged, never a config value
BI_CLICKHOUSE_URL_ENV = "MYMEDIC_BI_CLICKHOUSE_URL"  # carries a password
# Operations alerts (orchestration/notifier.py): a webhook that receives each alert as JSON (its URL may
# carry a token: a secret) and/or an SMTP relay; the Dagster UI's address the alerts link to.
ALERT_WEBHOOK_URL_ENV = "MYMEDIC_ALERT_WEBHOOK_URL"  # a secret: never logged, never a config value
ALERT_SMTP_HOST_ENV = "MYMEDIC_ALERT_SMTP_HOST"
ALERT_SMTP_PORT_ENV = "MYMEDIC_ALERT_SMTP_PORT"
ALERT_SMTP_STARTTLS_ENV = "MYMEDIC_ALERT_SMTP_STARTTLS"  # 0: a relay without STARTTLS (default 1)
ALERT_SMTP_USERNAME_ENV = "MYMEDIC_ALERT_SMTP_USERNAME"
ALERT_SMTP_PASSWORD_ENV = "MYMEDIC_ALERT_SMTP_PASSWORD"  # a secret: never logged, never a config value
ALERT_EMAIL_FROM_ENV = "MYMEDIC_ALERT_EMAIL_FROM"
ALERT_EMAIL_TO_ENV = "MYMEDIC_ALERT_EMAIL_TO"  # comma-separated addresses
DAGSTER_UI_URL_ENV = "MYMEDIC_DAGSTER_UI_URL"  # default http://127.0.0.1:3000 (`make dagster`)
# Dagster's own: the instance (run history, sensors' state) `make dagster` shows and `mymedic run` records in.
DAGSTER_HOME_ENV = "DAGSTER_HOME"

# What the platform sets for its dbt processes (read by dbt_project/profiles.yml; see core.warehouse.dbt_env).
DBT_DRIVER_ENV = "MYMEDIC_DBT_DRIVER"
DBT_HOST_ENV = "MYMEDIC_DBT_HOST"
DBT_PORT_ENV = "MYMEDIC_DBT_PORT"
DBT_USER_ENV = "MYMEDIC_DBT_USER"
DBT_PASSWORD_ENV = "MYMEDIC_DBT_PASSWORD"
DBT_SECURE_ENV = "MYMEDIC_DBT_SECURE"
DB_PREFIX_ENV = "MYMEDIC_DB_PREFIX"
# The pid of the process that starts dbt: the dbt wrapper exits if that process is already gone.
DBT_PARENT_PID_ENV = "MYMEDIC_DBT_PARENT_PID"

DEFAULT_DATA = Path(".mymedic/sample")
DEFAULT_WAREHOUSE = "chdb://.mymedic/warehouse"
DEFAULT_EXPORTS = Path(".mymedic/exports")
DEFAULT_SERVING = Path(".mymedic/serving")
DEFAULT_DAGSTER_HOME = Path(".mymedic/dagster")  # `make dagster`'s DAGSTER_HOME
DEFAULT_API_KEYS = Path(".mymedic/api-keys.yaml")
DEFAULT_RAZORPAY_API_URL = "https://api.razorpay.com"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_BUNDLE_SPECS = PROJECT_ROOT / "exports" / "bundles"


class WarehouseSettings(BaseModel, frozen=True):
    """A parsed `MYMEDIC_WAREHOUSE` URL.

    `chdb://PATH` is the embedded engine (a relative PATH is relative to the working directory,
    `chdb:///abs/path` is absolute); `http(s)://user:pass@host:port/db` is a ClickHouse server.
    A server database other than `default` becomes a prefix of every database the platform
    creates (`<db>_raw`, `<db>_marts`, ...), so several environments can share one server.
    """

    interface: str  # "chdb" | "http" | "https"
    path: Path | None = None
    host: str = "localhost"
    port: int = 8123
    username: str = "default"
    password: str = Field(default="", repr=False)
    database: str = "default"

    @property
    def embedded(self) -> bool:
        return self.interface == "chdb"

    @property
    def db_prefix(self) -> str:
        return "" if self.embedded or self.database in ("", "default") else f"{self.database}_"

    def db(self, name: str) -> str:
        """The real database name for one of the platform's logical databases (raw, marts, ...)."""
        return f"{self.db_prefix}{name}"

    def redacted(self) -> str:
        if self.embedded:
            return f"chdb://{self.path}"
        return f"{self.interface}://{self.username}:***@{self.host}:{self.port}/{self.database}"


class WarehouseUrlError(UserFacingError, ValueError):
    """A `MYMEDIC_WAREHOUSE` / `--warehouse` value that names no warehouse; the message never holds its password."""


def parse_warehouse_url(url: str) -> WarehouseSettings:
    shown = redact_url(url)
    if url.startswith("chdb://"):
        rest = url.removeprefix("chdb://")
        if not rest:
            raise WarehouseUrlError(
                f"{WAREHOUSE_ENV}={shown!r} names no data directory; try chdb://.mymedic/warehouse"
            )
        return WarehouseSettings(interface="chdb", path=Path(rest).expanduser().absolute())
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise WarehouseUrlError(
            f"{WAREHOUSE_ENV}={shown!r} is not understood: use chdb://DIR or http(s)://user:pass@host:port/db"
        )
    try:
        port = parsed.port or (8443 if parsed.scheme == "https" else 8123)
    except ValueError:
        raise WarehouseUrlError(
            f"{WAREHOUSE_ENV}={shown!r} has no valid port: use a number 1-65535, e.g. http://user:pass@host:8123/db"
        ) from None
    return WarehouseSettings(
        interface=parsed.scheme,
        host=parsed.hostname,
        port=port,
        username=unquote(parsed.username or "default"),
        password=unquote(parsed.password or ""),
        database=parsed.path.strip("/") or "default",
    )


def warehouse_settings(url: str | None = None) -> WarehouseSettings:
    return parse_warehouse_url(url or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)


class MissingSetting(ValueError):
    """A setting the step needs is not set; the message names the variable to set (one line)."""


class RazorpaySettings(BaseModel, frozen=True):
    """Where the Razorpay API is and the key pair it authenticates with (the secret never shows in a repr)."""

    key_id: str
    key_secret: SecretStr
    api_url: str = DEFAULT_RAZORPAY_API_URL

    @classmethod
    def resolve(cls, key_id: str = "", key_secret: str = "", api_url: str = "") -> RazorpaySettings:
        """The given values, else the environment's; a missing key raises MissingSetting naming its variable."""
        key_id = key_id or os.environ.get(RAZORPAY_KEY_ID_ENV, "")
        key_secret = key_secret or os.environ.get(RAZORPAY_KEY_SECRET_ENV, "")
        for value, name, what in ((key_id, RAZORPAY_KEY_ID_ENV, "key id"),
                                  (key_secret, RAZORPAY_KEY_SECRET_ENV, "key secret")):  # fmt: skip
            if not value.strip():
                raise MissingSetting(
                    f"no Razorpay API {what}: set {name} (Dashboard > Account & Settings > API Keys)"
                )
        url = (api_url or os.environ.get(RAZORPAY_API_URL_ENV, "") or DEFAULT_RAZORPAY_API_URL).rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise MissingSetting(
                f"{RAZORPAY_API_URL_ENV}={url!r} is not an http(s) URL; leave it unset for {DEFAULT_RAZORPAY_API_URL}"
            )
        return cls(key_id=key_id.strip(), key_secret=SecretStr(key_secret.strip()), api_url=url)


def bundle_specs_dir() -> Path:
    """Where the export bundle specs (`<name>.yaml`) are: $MYMEDIC_EXPORT_BUNDLES, else exports/bundles."""
    return Path(os.environ.get(EXPORT_BUNDLES_ENV) or DEFAULT_BUNDLE_SPECS)


def export_signing_key() -> SecretStr:
    """The bundle signing key alone (verifying needs no salt); MissingSetting when unset or short."""
    key = os.environ.get(EXPORT_SIGNING_KEY_ENV, "").strip()
    if len(key) < 16:
        raise MissingSetting(
            f"no export signing key: set {EXPORT_SIGNING_KEY_ENV} (16 characters or more, kept secret)"
        )
    return SecretStr(key)


class ExportSecrets(BaseModel, frozen=True):
    """The signing key and the salt secret of export bundles (never shown in a repr or a log)."""

    signing_key: SecretStr
    salt_secret: SecretStr

    @classmethod
    def resolve(cls, signing_key: str = "", salt_secret: str = "") -> ExportSecrets:
        """The given values, else the environment's; a missing one raises MissingSetting naming its variable."""
        signing_key = signing_key or os.environ.get(EXPORT_SIGNING_KEY_ENV, "")
        salt_secret = salt_secret or os.environ.get(EXPORT_SALT_ENV, "")
        for value, name, what in ((signing_key, EXPORT_SIGNING_KEY_ENV, "signing key"),
                                  (salt_secret, EXPORT_SALT_ENV, "patient-id salt secret")):  # fmt: skip
            if len(value.strip()) < 16:
                raise MissingSetting(f"no export {what}: set {name} (16 characters or more, kept secret)")
        return cls(signing_key=SecretStr(signing_key.strip()), salt_secret=SecretStr(salt_secret.strip()))


class SupersetLogin(BaseModel, frozen=True):
    """The Superset account provisioning uses (the password never shows in a repr)."""

    username: str
    password: SecretStr

    @classmethod
    def resolve(cls) -> SupersetLogin:
        """From the environment; a missing one raises MissingSetting naming its variable (no defaults)."""
        username = os.environ.get(SUPERSET_USERNAME_ENV, "").strip()
        password = os.environ.get(SUPERSET_PASSWORD_ENV, "")
        for value, name in ((username, SUPERSET_USERNAME_ENV), (password, SUPERSET_PASSWORD_ENV)):
            if not value:
                raise MissingSetting(
                    f"no Superset login: set {SUPERSET_USERNAME_ENV} and {SUPERSET_PASSWORD_ENV} ({name} is unset)"
                )
        return cls(username=username, password=SecretStr(password))


# A dropped connection to the warehouse server, as the person running a command reads it (core/cli_errors).
explain(
    "clickhouse_connect.driver.exceptions.OperationalError",
    lambda first: (
        f"lost the warehouse server ({first}): check that it is running and that {WAREHOUSE_ENV} "
        "names it, then run the command again"
    ),
)
