"""Real PostgreSQL servers on loopback for the replication tests (Debian's `postgresql` package; `make tools`
installs it). Each server has its own data directory, port and socket directory, password authentication over
TCP, and is stopped when the test session ends."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "replication-test-password"
"""Superuser password of the throwaway test servers (they listen on 127.0.0.1 only)."""


def bindir() -> Path:
    """The newest installed PostgreSQL server's binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        pytest.fail("PostgreSQL server binaries not found; `make tools` (or `make test`) installs them")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """Run as the `postgres` user when root (initdb and postgres refuse to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Server:
    """One running PostgreSQL server."""

    name: str
    data: Path
    port: int

    def dsn(self, dbname: str = "platform", password: str = PASSWORD) -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(bindir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=60,
        )


def start(root: Path, name: str, **settings: str) -> Server:
    """initdb + start a server under `root/name` with `settings` (postgresql.conf) on a free loopback port."""
    base = root / name
    base.mkdir(parents=True)
    data, sockets, pwfile = base / "data", base / "sockets", base / "pwfile"
    sockets.mkdir()
    pwfile.write_text(PASSWORD)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
        shutil.chown(pwfile, "postgres")
    initdb = [
        str(bindir() / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        f"--pwfile={pwfile}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--no-sync",
    ]
    result = subprocess.run(_as_postgres(initdb), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    port = free_port()
    conf = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        "unix_socket_directories": f"'{sockets}'",
        "fsync": "off",
        "max_wal_senders": "10",
        "max_replication_slots": "10",
        **settings,
    }
    with (data / "postgresql.conf").open("a") as f:
        f.writelines(f"{k} = {v}\n" for k, v in conf.items())
    started = subprocess.run(
        _as_postgres([str(bindir() / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60", "start"]),
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert started.returncode == 0, started.stdout + started.stderr + (base / "log").read_text()
    server = Server(name, data, port)
    createdb = [str(bindir() / "createdb"), "-h", str(sockets), "-p", str(port), "-U", "postgres", "platform"]
    assert subprocess.run(_as_postgres(createdb), capture_output=True, timeout=60).returncode == 0
    return server
