"""Run the registry under gunicorn on a free loopback port, and the databases it needs.

`Server` is a context manager: it starts `gunicorn -w 2 --threads 2 'registry:create_app()'`
in its own process group, waits for /healthz, and on exit stops the master (which stops its
workers), killing the group only if it does not go within ten seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    """(status, body) of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """gunicorn serving the app against `database_url`, keys from `keys_folder`."""

    def __init__(self, database_url: str, keys_folder: str | Path, workdir: str | Path,
                 workers: int = 2, threads: int = 2, start_timeout: float = 60):
        self.database_url, self.keys_folder = database_url, str(keys_folder)
        self.workdir = Path(workdir)
        self.workers, self.threads, self.start_timeout = workers, threads, start_timeout
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "gunicorn.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update({
            "REGISTRY_DATABASE_URL": self.database_url,
            "REGISTRY_SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "REGISTRY_KEYS_FOLDER": self.keys_folder,
            "REGISTRY_UPLOAD_FOLDER": str(self.workdir / "uploads"),
            "REGISTRY_OUTBOX_FOLDER": str(self.workdir / "outbox"),
            "REGISTRY_RATELIMIT_ENABLED": "false",
            "REGISTRY_BASE_URL": self.base,
        })
        return env

    def __enter__(self) -> Server:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
                   "--threads", str(self.threads), "-b", f"127.0.0.1:{self.port}",
                   "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
                   "registry:create_app()"]
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment(),
                                            stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   + self.log_tail())
            with contextlib.suppress(OSError):
                status, _body = http_get(self.base + "/healthz", timeout=5)
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not healthy after {self.start_timeout:.0f} s:\n"
                           + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the master process we started."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its workers."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()] if self.process else []:
            total += process_cpu_ticks(pid)
        return total / CLOCK_TICKS

    def wait_idle(self, timeout: float = 180, quiet_cpu: float = 0.02,
                  interval: float = 0.5) -> float:
        """Wait until the workers stop burning CPU (requests a finished wrk run left queued
        are still being served); return the seconds waited. Gives up after `timeout`."""
        started = time.monotonic()
        previous = self.cpu_seconds()
        while time.monotonic() - started < timeout:
            time.sleep(interval)
            current = self.cpu_seconds()
            if current - previous < quiet_cpu:
                break
            previous = current
        return time.monotonic() - started

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # our own group (start_new_session)
            process.wait(timeout=10)


# --- CPU and memory of processes ---------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_ticks(pid: int) -> int:
    """utime + stime of a process in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def status_kb(pid: int, field: str) -> int | None:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), or None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0, own processes); False if refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --- PostgreSQL databases ----------------------------------------------------------------

def create_pg_database(name: str) -> str:
    """CREATE DATABASE `name`; return its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    """DROP DATABASE IF EXISTS `name` WITH (FORCE): also ends connections still open."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_version() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None
