"""A local Superset for `make bi` and the tests: apache-superset in its own virtualenv (`.venv-bi`, built by
`make bi-install` from requirements-bi.lock), SQLite metadata in a home folder, gunicorn on 127.0.0.1.

The home folder holds the instance's generated secret key (0600) and its metadata. The metadata schema
(`superset db upgrade` and `superset init`, about 35 s here) is built once per virtualenv into a template
and copied into each new home, so a fresh instance only needs its admin account.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
from pydantic import SecretStr

from core.settings import PROJECT_ROOT

BI_VENV = PROJECT_ROOT / ".venv-bi"
CONFIG_FILE = Path(__file__).resolve().parent / "superset_config.py"
METADATA = "superset.db"
TEMPLATE = "superset-metadata-template.db"
START_SECONDS = 180  # how long a start may take before it is a failure (about 10 s here)


class LocalSupersetError(RuntimeError):
    """The local Superset cannot be set up or started; one line saying what to do."""


def _private_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def secret_in(path: Path) -> SecretStr:
    """The secret stored at `path`, made (random, 0600) the first time."""
    if not path.exists():
        _private_file(path, secrets.token_urlsafe(32))
    return SecretStr(path.read_text(encoding="utf-8").strip())


class LocalSuperset:
    def __init__(self, home: Path, port: int, *, venv: Path = BI_VENV, host: str = "127.0.0.1") -> None:
        self.home = home.absolute()
        self.port = port
        self.venv = venv
        self.host = host
        self.process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"LocalSuperset({self.url!r}, home={str(self.home)!r})"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "superset.log"

    def _bin(self, name: str) -> str:
        path = self.venv / "bin" / name
        if not path.exists():
            raise LocalSupersetError(
                f"{path} is missing: run `make bi-install` to build Superset's virtualenv"
            )
        return str(path)

    def _env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MYMEDIC_", "VIRTUAL_ENV"))}
        return env | {
            "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
            "SUPERSET_HOME": str(home),
            "SUPERSET_SECRET_KEY": secret_in(home / "secret-key").get_secret_value(),
            "FLASK_APP": "superset",
            "PYTHONUNBUFFERED": "1",
        }

    def _superset(self, home: Path, *args: str, stdin: str = "") -> None:
        done = subprocess.run(
            [self._bin("superset"), *args], env=self._env(home), capture_output=True, text=True, input=stdin
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise LocalSupersetError(f"`superset {args[0]}` failed: {last}")

    def _template(self) -> Path:
        template = self.venv / TEMPLATE
        if not template.exists():
            with tempfile.TemporaryDirectory(prefix="superset-template-") as scratch:
                self._superset(Path(scratch), "db", "upgrade")
                self._superset(Path(scratch), "init")
                shutil.copyfile(Path(scratch) / METADATA, f"{template}.part")
                os.replace(f"{template}.part", template)
        return template

    def setup(self, username: str, password: SecretStr) -> None:
        """Metadata from the template and the admin account, once per home; again does nothing."""
        if (self.home / METADATA).exists():
            return
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._template(), self.home / f"{METADATA}.part")
        os.replace(self.home / f"{METADATA}.part", self.home / METADATA)
        try:
            self._superset(
                self.home,
                "fab",
                "create-admin",
                "--username",
                username,
                "--firstname",
                "MyMedic",
                "--lastname",
                "Admin",
                "--email",
                f"{username}@localhost",
                stdin=f"{password.get_secret_value()}\n" * 2,
            )  # never in argv: ps shows it
        except LocalSupersetError:
            (self.home / METADATA).unlink()
            raise

    def start(self) -> None:
        """Start gunicorn and return once /health answers; the log is in the home folder."""
        command = [
            self._bin("gunicorn"),
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--timeout",
            "120",
            "superset.app:create_app()",
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, env=self._env(self.home), stdout=log, stderr=log, start_new_session=True, cwd=self.home
        )
        log.close()
        try:
            self._wait_healthy()
        except LocalSupersetError:
            self.stop()
            raise

    def _wait_healthy(self) -> None:
        assert self.process is not None
        for _ in range(START_SECONDS * 2):
            if self.process.poll() is not None:
                raise LocalSupersetError(
                    f"Superset exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.5)
        raise LocalSupersetError(
            f"Superset did not answer on {self.url} in {START_SECONDS} s; see {self.log_path}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
