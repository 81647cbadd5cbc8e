"""Deliver a produced bundle: copy it into a folder, or upload it over SFTP (paramiko) into the recipient's
folder. Uploads are retried (tenacity: 3 attempts, backing off); each outcome is recorded in exports.audit,
and a delivery that failed for good is a dead letter there (`exports.framework.audit.dead_letters`).

SFTP authenticates with MYMEDIC_EXPORT_SFTP_PASSWORD and trusts only the host keys in the known_hosts file
MYMEDIC_EXPORT_SFTP_KNOWN_HOSTS (an unknown host key is refused). A file lands under a temporary name and
is renamed when complete, so the recipient never picks up half a bundle.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import paramiko
from tenacity import RetryError, Retrying, stop_after_attempt, wait_exponential

from core.settings import (
    EXPORT_SFTP_KNOWN_HOSTS_ENV,
    EXPORT_SFTP_PASSWORD_ENV,
    MissingSetting,
)
from core.warehouse import Warehouse
from exports.framework.audit import AuditEvent, record
from exports.framework.spec import BundleSpec, FolderDelivery, SftpDelivery

ATTEMPTS = 3


class DeliveryFailed(RuntimeError):
    """A delivery that failed after every attempt; one line, recorded as a dead letter."""


@dataclass(frozen=True)
class Delivered:
    target: str
    ok: bool
    message: str


def describe(delivery: FolderDelivery | SftpDelivery) -> str:
    if isinstance(delivery, FolderDelivery):
        return f"folder:{delivery.path}"
    return f"sftp://{delivery.username}@{delivery.host}:{delivery.port}/{delivery.path.lstrip('/')}"


def deliver_to_folder(path: Path, delivery: FolderDelivery) -> str:
    folder = Path(delivery.path)
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{path.name}.part"
    shutil.copyfile(path, temp)
    os.replace(temp, folder / path.name)
    return str(folder / path.name)


def sftp_upload(path: Path, delivery: SftpDelivery, *, timeout: float = 10.0) -> str:
    password = os.environ.get(EXPORT_SFTP_PASSWORD_ENV, "")
    known_hosts = os.environ.get(EXPORT_SFTP_KNOWN_HOSTS_ENV, "")
    if not password:
        raise MissingSetting(f"no SFTP password: set {EXPORT_SFTP_PASSWORD_ENV}")
    if not known_hosts or not Path(known_hosts).is_file():
        raise MissingSetting(f"no known_hosts file for SFTP: set {EXPORT_SFTP_KNOWN_HOSTS_ENV} to one")
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            delivery.host,
            port=delivery.port,
            username=delivery.username,
            password=password,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            allow_agent=False,
            look_for_keys=False,
        )
        sftp = client.open_sftp()
        remote = f"{delivery.path.rstrip('/')}/{path.name}"
        sftp.put(str(path), f"{remote}.part")
        sftp.posix_rename(f"{remote}.part", remote)
        sftp.close()
        return remote
    finally:
        client.close()


def one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}" if str(error) else type(error).__name__


def deliver(
    warehouse: Warehouse,
    spec: BundleSpec,
    path: Path,
    *,
    actor: str,
    period_label: str,
    bundle_sha256: str = "",
    wait_seconds: float = 1.0,
) -> Delivered:
    """Deliver `path` as the spec says; record the outcome; a final failure is a dead letter (not raised)."""
    if spec.delivery is None:
        return Delivered("", True, "no delivery configured")
    target = describe(spec.delivery)
    event = AuditEvent(event="delivered", actor=actor, bundle=spec.name, recipient=spec.recipient,
                       period_label=period_label, phi_level=spec.phi_level, bundle_file=str(path),
                       bundle_sha256=bundle_sha256, delivery=target)  # fmt: skip
    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_exponential(multiplier=wait_seconds, max=30 * wait_seconds),
        reraise=False,
    )
    try:
        if isinstance(spec.delivery, FolderDelivery):
            where = deliver_to_folder(path, spec.delivery)
        else:
            where = retrying(sftp_upload, path, spec.delivery)
    except (RetryError, OSError, paramiko.SSHException, MissingSetting) as error:
        cause = error.last_attempt.exception() if isinstance(error, RetryError) else error
        attempts = error.last_attempt.attempt_number if isinstance(error, RetryError) else 1
        message = f"delivery to {target} failed after {attempts} attempt(s): {one_line(cause)}"
        update = {"event": "delivery_failed", "outcome": message, "dead_letter": True, "attempts": attempts}
        record(warehouse, event.model_copy(update=update))
        return Delivered(target, False, message)
    attempts = retrying.statistics.get("attempt_number", 1) if isinstance(spec.delivery, SftpDelivery) else 1
    record(warehouse, event.model_copy(update={"outcome": f"ok: {where}", "attempts": attempts}))
    return Delivered(target, True, where)
