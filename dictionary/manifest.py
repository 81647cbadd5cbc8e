"""The dbt manifest the dictionary is read from, parsed when missing or older than the project's sources.

`dbt parse` needs no warehouse connection. It takes the same lock file as orchestration's own parse, so the
two never parse one project at once.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
from pathlib import Path
from typing import Any

from core.settings import DBT_PROJECT_DIR
from core.warehouse.dbt_env import dbt_executable

MANIFEST = Path("target") / "manifest.json"
PARSE_LOCK = ".parse.lock"
SOURCE_FOLDERS = ("models", "macros", "tests")
ERROR_TAIL_LINES = 40


class ManifestError(RuntimeError):
    """`dbt parse` failed; the message carries the end of its output."""


def newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml"]
    for folder in SOURCE_FOLDERS:
        files += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files if p.exists())


def parse_project(project_dir: Path) -> None:
    result = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-ERROR_TAIL_LINES:])
        raise ManifestError(f"dbt parse failed for {project_dir} (exit {result.returncode}):\n{tail}")


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The project's manifest.json, parsed first when it is missing or older than any source file."""
    project_dir = Path(project_dir).resolve()
    manifest = project_dir / MANIFEST
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / PARSE_LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest.exists() or manifest.stat().st_mtime < newest_source_mtime(project_dir):
            parse_project(project_dir)
    return manifest


def load_manifest(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Any]:
    return json.loads(ensure_manifest(project_dir).read_text(encoding="utf-8"))
