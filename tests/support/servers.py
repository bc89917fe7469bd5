"""Real Mosquitto, PostgreSQL, VictoriaMetrics and InfluxDB 1.x servers, each on a free port.

Tests own these processes so they can stop, kill and restart them.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

    def __init__(
        self,
        port: int | None = None,
        *,
        root: Path | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        """`root` keeps the cluster there (reused if it holds one); `settings` are `-c` options."""
        self.bindir = postgres_bindir()
        self.port = port or free_port()
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="sitewatch-pg-"))
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.datadir = self.root / "data"
        self.settings = dict(settings or {})
        self.process: subprocess.Popen[bytes] | None = None
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        if (self.datadir / "PG_VERSION").exists():
            return  # a cluster kept from an earlier run
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
             "-c", "fsync=off", "-c", "max_connections=200",
             *(arg for name, value in self.settings.items() for arg in ("-c", f"{name}={value}"))],
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


VICTORIA_METRICS = Path("/usr/bin/victoria-metrics")


class VictoriaMetricsServer:
    """VictoriaMetrics (InfluxDB's v2 write API) on a free port with a data dir of its own."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        found = shutil.which("victoria-metrics")
        self.binary = Path(found) if found else VICTORIA_METRICS
        if not self.binary.exists():
            raise FileNotFoundError(
                f"VictoriaMetrics not found at {VICTORIA_METRICS}: run "
                "scripts/install-test-servers.sh (apt-get install victoria-metrics)"
            )
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL (the v2 write API is under /api/v2/write)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> VictoriaMetricsServer:
        """Start (or restart, on the same port and data) and wait until /health answers OK."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "victoria-metrics.log").open("ab")
        self.process = subprocess.Popen(
            [str(self.binary), f"-storageDataPath={self.workdir / 'data'}",
             f"-httpListenAddr=127.0.0.1:{self.port}",
             # Tests write fixed timestamps; the default retention (1 month) would drop them.
             "-retentionPeriod=100y"],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_path = self.workdir / "victoria-metrics.log"
                raise RuntimeError(f"VictoriaMetrics exited; see {log_path}")
            if self._healthy():
                return self
            time.sleep(0.05)
        raise TimeoutError("VictoriaMetrics did not become healthy")

    def stop(self) -> None:
        """SIGTERM: VictoriaMetrics flushes what it accepted to disk and exits."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash; what it accepted in the last seconds may be gone."""
        self._signal(signal.SIGKILL)

    def export(self, match: str) -> list[dict[str, Any]]:
        """Every series matching a selector, with all its raw samples (duplicates included)."""
        # Samples become searchable about a second after they are written; this makes it now.
        self._get("/internal/force_flush")
        query = urllib.parse.urlencode({"match[]": match})
        body = self._get(f"/api/v1/export?{query}")
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def sample_count(self, match: str) -> int:
        """How many samples the matching series hold altogether."""
        return sum(len(series["values"]) for series in self.export(match))

    def _healthy(self) -> bool:
        try:
            return self._get("/health", timeout=1) == b"OK"
        except (urllib.error.URLError, OSError):
            return False

    def _get(self, path: str, timeout: float = 10.0) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return bytes(response.read())

    def _signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None


INFLUXD = Path("/usr/bin/influxd")


class InfluxDB1Server:
    """InfluxDB 1.x (Debian's `influxd`) on free ports, for running InfluxQL as Grafana would.

    Its v1 HTTP API: `/write?db=…&precision=ns` takes line protocol, `/query?db=…&q=…`
    runs InfluxQL. Reporting, the `_internal` monitor database and retention checks are off.
    """

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        found = shutil.which("influxd")
        self.binary = Path(found) if found else INFLUXD
        if not self.binary.exists():
            raise FileNotFoundError(
                f"InfluxDB 1.x not found at {INFLUXD}: run "
                "scripts/install-test-servers.sh (apt-get install influxdb)"
            )
        self.workdir = workdir
        self.port = port or free_port()
        self.rpc_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the v1 HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> Path:
        root = self.workdir
        text = f"""reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{root / 'meta'}"
[data]
  dir = "{root / 'data'}"
  wal-dir = "{root / 'wal'}"
  query-log-enabled = false
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
[continuous_queries]
  enabled = false
"""
        path = root / "influxdb.conf"
        path.write_text(text, encoding="utf-8")
        return path

    def start(self, timeout: float = 30.0) -> InfluxDB1Server:
        """Start (or restart, on the same ports and data) and wait until /ping answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "influxd.log").open("ab")
        self.process = subprocess.Popen(
            [str(self.binary), "run", "-config", str(self._config())],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"influxd exited; see {self.workdir / 'influxd.log'}")
            if self._pings():
                return self
            time.sleep(0.05)
        raise TimeoutError("InfluxDB did not answer /ping")

    def create_database(self, name: str) -> None:
        """CREATE DATABASE (idempotent)."""
        self._post(f"/query?{urllib.parse.urlencode({'q': f'CREATE DATABASE {name}'})}", b"")

    def write(self, database: str, lines: list[str]) -> None:
        """POST line protocol through the v1 write endpoint, nanosecond timestamps."""
        query = urllib.parse.urlencode({"db": database, "precision": "ns"})
        self._post(f"/write?{query}", "\n".join(lines).encode())

    def query(self, database: str, influxql: str) -> dict[str, Any]:
        """Run InfluxQL; the first statement's result (`series`, or raises on `error`)."""
        query = urllib.parse.urlencode({"db": database, "q": influxql, "epoch": "ms"})
        with urllib.request.urlopen(f"{self.url}/query?{query}", timeout=10) as response:
            body = json.loads(response.read())
        result: dict[str, Any] = body["results"][0]
        if "error" in result:
            raise RuntimeError(f"InfluxQL error: {result['error']} in {influxql}")
        return result

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def _pings(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/ping", timeout=1) as response:
                return int(response.status) == 204
        except (urllib.error.URLError, OSError):
            return False

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"InfluxDB refused {path}: {error.read()!r}") from error
