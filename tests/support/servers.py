"""Real Mosquitto and PostgreSQL servers, each started by a test on a free port.

Tests own these processes so they can stop, kill and restart them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from sitewatch.brokers import MosquittoProcess, free_port, wait_for_port


class MosquittoServer(MosquittoProcess):
    """A Mosquitto broker of the test's own; `url` for clients."""

    def start(self) -> MosquittoServer:
        """Start (or restart) on the same port."""
        super().start()
        return self

    @property
    def url(self) -> str:
        """mqtt:// URL of the broker."""
        return f"mqtt://127.0.0.1:{self.port}"


def postgres_bindir() -> Path:
    """Directory of the PostgreSQL server binaries (Debian layout, newest version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise FileNotFoundError("PostgreSQL server binaries not found: apt-get install postgresql")


def _version_key(path: str) -> int:
    part = path.split("/")[4]
    return int(part) if part.isdigit() else 0


class PostgresServer:
    """A throw-away PostgreSQL cluster on a free port (runs as 'postgres' when we are root)."""

    def __init__(self, port: int | None = None) -> None:
        self.bindir = postgres_bindir()
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sitewatch-pg-"))
        self.datadir = self.root / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*self._as_user, str(self.bindir / "initdb"), "-D", str(self.datadir), "-A", "trust",
             "-U", "postgres", "-E", "UTF8", "--no-sync"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def start(self) -> PostgresServer:
        """Start (or restart) the server and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [*self._as_user, str(self.bindir / "postgres"), "-D", str(self.datadir),
             "-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=(self.root / "postgres.log").open("wb"),
        )
        wait_for_port(self.port, timeout=30)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = subprocess.run(
                [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                stdout=subprocess.DEVNULL, check=False,
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError("PostgreSQL did not become ready")

    def create_database(self, name: str) -> str:
        """Create a database and return its SQLAlchemy URL (psycopg 3 driver)."""
        subprocess.run(
            [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", name],
            check=True,
        )
        return self.url(name)

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Stop the server (SIGINT: fast shutdown; SIGKILL: crash)."""
        if self.process and self.process.poll() is None:
            if self._as_user:
                # runuser forwards nothing useful; signal the postmaster itself.
                pid_file = self.datadir / "postmaster.pid"
                pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
                if pid:
                    os.kill(pid, sig)
            else:
                self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def destroy(self) -> None:
        """Stop the server and delete its files."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
