"""A real SFTP server on 127.0.0.1 for tests: paramiko's ServerInterface with password auth and an
SFTPServerInterface over a local folder, one thread per connection. Enough of SFTP for uploads."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_NO_SUCH_FILE, SFTP_OK, SFTP_PERMISSION_DENIED


class _Server(paramiko.ServerInterface):
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.username and password == self.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> paramiko.SFTPAttributes | int:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


def _sftp_interface(root: Path) -> type[paramiko.SFTPServerInterface]:
    class Folder(paramiko.SFTPServerInterface):
        def _local(self, path: str) -> Path:
            return root / path.lstrip("/")

        def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle | int:
            local = self._local(path)
            if not local.parent.is_dir():
                return SFTP_NO_SUCH_FILE
            mode = "wb" if flags & (os.O_WRONLY | os.O_RDWR) else "rb"
            try:
                handle = _Handle(flags)
                f = open(local, mode)  # noqa: SIM115 - the handle owns it
            except OSError:
                return SFTP_PERMISSION_DENIED
            handle.readfile = handle.writefile = f
            return handle

        def stat(self, path: str) -> paramiko.SFTPAttributes | int:
            local = self._local(path)
            return paramiko.SFTPAttributes.from_stat(local.stat()) if local.exists() else SFTP_NO_SUCH_FILE

        lstat = stat

        def posix_rename(self, oldpath: str, newpath: str) -> int:
            try:
                os.replace(self._local(oldpath), self._local(newpath))
            except OSError:
                return SFTP_FAILURE
            return SFTP_OK

        rename = posix_rename

    return Folder


@dataclass
class SftpServer:
    host: str
    port: int
    username: str
    password: str
    root: Path
    known_hosts: Path


@contextmanager
def sftp_server(
    root: Path, *, username: str = "clinic", password: str = "sftp-pw-123"
) -> Iterator[SftpServer]:
    key = paramiko.RSAKey.generate(2048)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    known_hosts = root.parent / f"known_hosts_{port}"
    known_hosts.write_text(f"[127.0.0.1]:{port} {key.get_name()} {key.get_base64()}\n")
    stop = threading.Event()
    transports: list[paramiko.Transport] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _sftp_interface(root))
            transport.start_server(server=_Server(username, password))
            transports.append(transport)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield SftpServer("127.0.0.1", port, username, password, root, known_hosts)
    finally:
        stop.set()
        listener.close()
        for transport in transports:
            transport.close()
        thread.join(timeout=5)
