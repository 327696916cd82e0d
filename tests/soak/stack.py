"""The soak's private stack: an embedded cluster in a temporary CIVGEO_HOME on a free port,
the sample data, an admin token and one ``civgeo serve`` on a free loopback port.

Nothing here touches the development cluster (``.civgeo``, port 55432): every ``civgeo``
command runs with this stack's own ``CIVGEO_HOME`` and ``CIVGEO_PG_PORT``, and without
``DATABASE_URL``. Only the download cache, the shared real-data folder and the offline
assets are borrowed (read) from the checkout's settings, so nothing is fetched twice.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

LOOPBACK = "127.0.0.1"
CHECKOUT = Path(__file__).resolve().parents[2]
# The sample cities the soak's requests use: Zhuzhou (names, the 株衡线 inspection,
# facilities in 荷塘区) and Nanjing (addresses). Central Wuhan is not needed.
SAMPLES = ("zhuzhou", "nanjing")


class StackError(RuntimeError):
    """A step of setting up or tearing down the stack failed."""


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _borrowed_folders() -> dict[str, str]:
    """The checkout's download cache, shared data and assets, as the development setup
    finds them (a temporary CIVGEO_HOME would otherwise look for them in the wrong place)."""
    from fixtures.sources import cache_dir, shared_data_dir
    from maps.assets import assets_dir

    return {"CIVGEO_CACHE": str(cache_dir()), "CIVGEO_SHARED_DATA": str(shared_data_dir()),
            "CIVGEO_ASSETS": str(assets_dir())}


class Stack:
    """The temporary cluster and API server; ``close()`` removes all of it."""

    def __init__(self) -> None:
        borrowed = _borrowed_folders()
        self.home = Path(tempfile.mkdtemp(prefix="civgeo-soak-"))
        # As root the database server runs as the unprivileged postgres user, which must be
        # able to enter this folder.
        self.home.chmod(0o755)
        self.pg_port = free_port()
        self.api_port = free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "CIVGEO_WORKERS", "CIVGEO_HOST", "CIVGEO_PORT")}
        self.env.update(borrowed, CIVGEO_HOME=str(self.home), CIVGEO_PG_PORT=str(self.pg_port),
                        PYTHONUNBUFFERED="1")
        self.server: subprocess.Popen | None = None
        self.server_log = self.home / "server.log"

    # ---------------------------------------------------------------- where things are

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.api_port}"

    @property
    def data_dir(self) -> Path:
        return self.home / "pg" / "data"

    def database_url(self) -> str:
        """The soak cluster's URL (its password is kept beside the cluster, geo/localdb.py)."""
        password = (self.home / "pg-password").read_text().strip()
        return f"postgresql://civgeo:{password}@{LOOPBACK}:{self.pg_port}/civgeo"

    # ---------------------------------------------------------------- civgeo commands

    def civgeo(self, *args: str, timeout: float) -> str:
        """Run ``civgeo ARGS`` against this stack; its output, or StackError saying why not."""
        try:
            proc = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=CHECKOUT,
                                  env=self.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StackError(f"`civgeo {' '.join(args)}` took more than {timeout:.0f} s") from None
        if proc.returncode != 0:
            said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
            raise StackError(f"`civgeo {' '.join(args)}` failed: {' / '.join(said)}")
        return proc.stdout

    def db_up(self, timeout: float = 120) -> None:
        self.civgeo("db", "up", timeout=timeout)

    def load_fixtures(self, timeout: float) -> None:
        """Fetch the sources (a no-op when the cache has them) and load the soak's samples."""
        self.civgeo("fixtures", "fetch", timeout=timeout)
        only = [arg for name in SAMPLES for arg in ("--only", name)]
        self.civgeo("fixtures", "load", *only, timeout=timeout)

    def admin_token(self) -> str:
        """A new admin user's token: ``civgeo users add`` prints it on its last line."""
        out = self.civgeo("users", "add", "压测管理员", "--role", "admin", timeout=60)
        token = out.strip().splitlines()[-1].strip()
        if not token.startswith("cg_"):
            raise StackError(f"no token in the output of `civgeo users add`: {out!r}")
        return token

    # ---------------------------------------------------------------- the fault

    def postmaster_pid(self) -> int | None:
        """The server's pid: the first line of postmaster.pid in the data directory."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def kill_database(self) -> int:
        """``kill -9`` the postmaster; its pid."""
        pid = self.postmaster_pid()
        if pid is None:
            raise StackError(f"no postmaster.pid in {self.data_dir}")
        os.kill(pid, signal.SIGKILL)
        return pid

    def crash_recovery_log(self) -> list[str]:
        """PostgreSQL's own account of its crash recovery (the "redo done" lines of the
        cluster's server.log, with the time the replay took)."""
        try:
            text = (self.home / "pg" / "server.log").read_text(errors="replace")
        except OSError:
            return []
        return [line.split("LOG:", 1)[-1].strip() for line in text.splitlines()
                if "redo done at" in line]

    # ---------------------------------------------------------------- the API server

    def start_server(self, timeout: float = 60) -> None:
        """One uvicorn process on the loopback port; returns once /health answers 200."""
        with open(self.server_log, "wb") as log:
            # Its own session: a Ctrl-C in the terminal reaches the soak, which then stops
            # the server itself, in order.
            self.server = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--host", LOOPBACK,
                 "--port", str(self.api_port), "--workers", "1", "--log-level", "warning"],
                cwd=CHECKOUT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.server.poll() is not None:
                raise StackError(f"the API server exited at start: {self.server_log_tail()}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2, trust_env=False).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise StackError(f"the API server did not answer /health within {timeout:.0f} s")

    def server_log_tail(self, lines: int = 5) -> str:
        try:
            text = self.server_log.read_text(errors="replace")
        except OSError:
            return ""
        return " / ".join(text.strip().splitlines()[-lines:])

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        self.server.terminate()
        try:
            self.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait(timeout=5)

    # ---------------------------------------------------------------- tear down

    def close(self, keep_log: Path | None = None) -> list[str]:
        """Stop the server and the cluster and remove the temporary home; the problems met
        on the way (teardown goes on past each one)."""
        problems: list[str] = []
        try:
            self.stop_server()
        except Exception as exc:             # noqa: BLE001 - tear down the rest regardless
            problems.append(f"stopping the API server: {exc}")
        if keep_log is not None and self.server_log.exists():
            shutil.copyfile(self.server_log, keep_log)
        if (self.home / "pg" / "data" / "PG_VERSION").exists():
            try:
                self.civgeo("db", "down", timeout=90)
            except StackError as exc:
                problems.append(str(exc))
                self._kill_leftover_postmaster()
        shutil.rmtree(self.home, ignore_errors=True)
        return problems

    def _kill_leftover_postmaster(self) -> None:
        """When ``db down`` failed, do not leave a cluster running on a removed folder."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return
        if str(self.data_dir) in cmdline.replace("\0", " "):     # ours, not a recycled pid
            os.kill(pid, signal.SIGKILL)
