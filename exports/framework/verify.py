"""Check a bundle zip: its signature over manifest.json, then every file against the manifest's SHA-256,
and that it holds nothing the manifest does not list. A failure is one line (`BundleInvalid`)."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.settings import ExportSecrets, export_signing_key
from exports.framework.bundle import MANIFEST, SIGNATURE, sha256_of
from exports.framework.signing import signature_matches


class BundleInvalid(ValueError):
    """The bundle was altered, or is not a bundle, or was signed with another key."""


@dataclass(frozen=True)
class VerifiedBundle:
    manifest: dict

    def summary(self) -> list[str]:
        m = self.manifest
        lines = [
            f"bundle {m['bundle']} for {m['recipient']}, period {m['period']['label']} "
            f"({m['period']['start']} .. {m['period']['end']}), phi level {m['phi_level']}, "
            f"generated {m['generated_at']}: signature and {len(m['files'])} file hashes OK"
        ]
        lines += [f"  rows {name}: {count}" for name, count in m["row_counts"].items()]
        lines += [f"  {f['path']}  {f['bytes']} bytes  sha256 {f['sha256']}" for f in m["files"]]
        return lines


def verify_bundle(path: Path, *, secrets: ExportSecrets | None = None) -> VerifiedBundle:
    key = (secrets.signing_key if secrets else export_signing_key()).get_secret_value()
    try:
        with zipfile.ZipFile(path) as archive:
            entries = {name: archive.read(name) for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile) as error:
        raise BundleInvalid(f"{path}: not a readable zip ({' '.join(str(error).split())})") from None
    if MANIFEST not in entries or SIGNATURE not in entries:
        raise BundleInvalid(f"{path}: no {MANIFEST} and {SIGNATURE}: not an export bundle")
    if not signature_matches(entries[MANIFEST], entries[SIGNATURE], key):
        raise BundleInvalid(f"{path}: the signature does not match manifest.json (altered, or another key)")
    manifest = json.loads(entries[MANIFEST])
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    for name, digest in listed.items():
        if name not in entries:
            raise BundleInvalid(f"{path}: {name} is listed in the manifest but missing")
        if sha256_of(entries[name]) != digest:
            raise BundleInvalid(f"{path}: {name} does not match its SHA-256 in the manifest (altered)")
    extra = sorted(set(entries) - set(listed) - {MANIFEST, SIGNATURE})
    if extra:
        raise BundleInvalid(f"{path}: holds {', '.join(extra)}, which the manifest does not list")
    return VerifiedBundle(manifest)
