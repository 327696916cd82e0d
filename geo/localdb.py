"""The embedded PostgreSQL 15 + PostGIS cluster under ``.civgeo/pg`` (DESIGN §3).

With no ``DATABASE_URL`` civgeo runs its own private cluster: its own data directory,
port (``CIVGEO_PG_PORT``, default 55432, on 127.0.0.1 only) and socket directory, a
random password kept beside the data. PostgreSQL refuses to run as root, so when root
invokes it the server runs as the unprivileged ``postgres`` system user (created by the
Debian packages) or, failing that, a ``civgeo`` system user made for it.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from geo.errors import SetupError

DEFAULT_PORT = 55432
DB_NAME = "civgeo"
SUPERUSER = "civgeo"
PG_MAJOR = "15"
# Tuned for a 2-core, 24 GiB machine running analyses; all can be overridden in
# .civgeo/pg/data/postgresql.auto.conf with ALTER SYSTEM.
_SERVER_CONF = """
listen_addresses = '127.0.0.1'
max_connections = 60
shared_buffers = '512MB'
work_mem = '64MB'
maintenance_work_mem = '512MB'
effective_cache_size = '4GB'
random_page_cost = 1.1
jit = off
log_min_duration_statement = 2000
"""


def home() -> Path:
    """Return the project's state directory (``CIVGEO_HOME`` or ``<checkout>/.civgeo``)."""
    if env := os.environ.get("CIVGEO_HOME"):
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[1]
    base = checkout if (checkout / "pyproject.toml").exists() else Path.cwd()
    return base / ".civgeo"


@dataclass(frozen=True)
class Cluster:
    """Where the embedded cluster lives and how to reach it."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def password_file(self) -> Path:
        return self.root.parent / "pg-password"

    def url(self, dbname: str = DB_NAME) -> str:
        """Return the connection URL for a database on this cluster."""
        password = self.password_file.read_text().strip()
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{dbname}"


def cluster() -> Cluster:
    """Return the embedded cluster described by the environment."""
    raw = os.environ.get("CIVGEO_PG_PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise SetupError(f"CIVGEO_PG_PORT={raw!r} is not a port number between 1024 and 65535.")
    return Cluster(home() / "pg", int(raw))


def database_url(dbname: str = DB_NAME) -> str:
    """Return ``DATABASE_URL`` if set, else the embedded cluster's URL for ``dbname``."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    c = cluster()
    if not c.password_file.exists():
        raise SetupError("the embedded database is not set up yet: run `civgeo db up` "
                         "(or `make run`), or set DATABASE_URL to an existing server.")
    return c.url(dbname)


def bindir() -> Path:
    """Return the directory holding PostgreSQL 15's server programs."""
    candidates = [os.environ.get("CIVGEO_PG_BINDIR"), f"/usr/lib/postgresql/{PG_MAJOR}/bin"]
    if found := shutil.which("pg_ctl"):
        candidates.append(str(Path(found).resolve().parent))
    for cand in filter(None, candidates):
        if (Path(cand) / "pg_ctl").exists() and (Path(cand) / "initdb").exists():
            return Path(cand)
    raise SetupError("PostgreSQL 15 server programs not found: run `make deps` (installs "
                     "postgresql-15-postgis-3 and postgresql-15-pgrouting) or set "
                     "CIVGEO_PG_BINDIR.")


def _server_user() -> pwd.struct_passwd | None:
    """Return the unprivileged user the server runs as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("CIVGEO_PG_USER")
    if name is None:
        name = "postgres" if _user_exists("postgres") else "civgeo"
    if not _user_exists(name):
        try:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", name], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SetupError(f"could not create the system user {name!r} to run PostgreSQL "
                             f"({exc}); create it, or set CIVGEO_PG_USER to an existing "
                             "unprivileged user") from None
    return pwd.getpwnam(name)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _run(args: list[str], *, check: bool = True,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a server program, as the unprivileged server user when we are root, with
    ``env`` added to the environment."""
    user = _server_user()
    kwargs: dict = {"env": {**os.environ, **(env or {})}}
    if user is not None:
        kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [],
                  "env": {**kwargs["env"], "HOME": str(home())}}
    proc = subprocess.run(args, capture_output=True, text=True, cwd=home(), **kwargs)
    if check and proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SetupError(f"{Path(args[0]).name} failed: {' / '.join(tail)}")
    return proc


def _chown(path: Path) -> None:
    if (user := _server_user()) is not None:
        os.chown(path, user.pw_uid, user.pw_gid)


def initialised(c: Cluster) -> bool:
    """Whether the data directory holds an initialised cluster."""
    return (c.data / "PG_VERSION").exists()


def init(c: Cluster) -> None:
    """Create the data directory with a random superuser password (idempotent)."""
    if initialised(c):
        return
    c.root.mkdir(parents=True, exist_ok=True)
    c.run.mkdir(exist_ok=True)
    if not c.password_file.exists():
        c.password_file.write_text(secrets.token_urlsafe(24) + "\n")
        c.password_file.chmod(0o600)
    pwfile = c.root / ".initpw"
    pwfile.write_text(c.password_file.read_text())
    for p in (c.root, c.run, pwfile):
        _chown(p)
    probe = _run(["test", "-w", str(c.root)], check=False)
    if probe.returncode != 0:
        raise SetupError(f"the server user cannot write to {c.root}: every folder above it must "
                         "be searchable by others (chmod o+x), or set CIVGEO_HOME elsewhere.")
    try:
        _run([str(bindir() / "initdb"), "-D", str(c.data), "-U", SUPERUSER, "-E", "UTF8",
              "--locale=C.UTF-8", "--auth=scram-sha-256", f"--pwfile={pwfile}"])
    finally:
        pwfile.unlink(missing_ok=True)
    with open(c.data / "postgresql.conf", "a", encoding="utf-8") as fh:
        fh.write("\n# civgeo embedded cluster\n" + _SERVER_CONF)


def _pid_alive_postmaster(pid: int, data: Path) -> bool:
    """Whether ``pid`` is a postgres server for ``data`` (not a recycled pid after a reboot)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "postgres" in cmdline and str(data) in cmdline.replace("\0", " ")


def server_pid(c: Cluster) -> int | None:
    """Return the running server's pid, or None (a stale pid file counts as not running)."""
    pidfile = c.data / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _pid_alive_postmaster(pid, c.data) else None


def _clear_stale_locks(c: Cluster) -> None:
    """Remove pid and socket lock files left by a server that is gone (e.g. after a reboot)."""
    for lock in [c.data / "postmaster.pid", *c.run.glob(".s.PGSQL.*.lock")]:
        try:
            pid = int(lock.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            continue
        if not _pid_alive_postmaster(pid, c.data):
            lock.unlink(missing_ok=True)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start(c: Cluster) -> bool:
    """Start the server if it is not running; return True if it was started now."""
    if server_pid(c) is not None:
        return False
    _clear_stale_locks(c)
    if not _port_free(c.port):
        raise SetupError(f"port {c.port} is taken by another program: set CIVGEO_PG_PORT to a "
                         "free port, or DATABASE_URL to use a server that is already running.")
    c.run.mkdir(exist_ok=True)
    _chown(c.run)
    opts = f"-p {c.port} -k {c.run}"
    proc = _run([str(bindir() / "pg_ctl"), "-D", str(c.data), "-l", str(c.log), "-w", "-t", "60",
                 "-o", opts, "start"], check=False)
    if proc.returncode != 0:
        log = c.log.read_text(errors="replace") if c.log.exists() else ""
        said = (proc.stderr.strip().splitlines() or [""])[-1:] + log.strip().splitlines()[-2:]
        raise SetupError(f"the database server did not start: {' / '.join(filter(None, said))} "
                         f"(full log: {c.log})")
    return True


def stop(c: Cluster) -> bool:
    """Stop the server (fast shutdown); return True if it was running."""
    if server_pid(c) is None:
        _clear_stale_locks(c)
        return False
    _run([str(bindir() / "pg_ctl"), "-D", str(c.data), "-m", "fast", "-w", "stop"])
    return True


def ensure_database(c: Cluster, dbname: str = DB_NAME) -> bool:
    """Create ``dbname`` on the embedded cluster if missing; return True if created."""
    from geo.db import connect, fetch_value

    conn = connect(c.url("postgres"))
    conn.autocommit = True
    try:
        if fetch_value(conn, "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)):
            return False
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{dbname}"')
        return True
    finally:
        conn.close()


def up() -> Cluster:
    """Initialise and start the embedded cluster and create its database (idempotent)."""
    c = cluster()
    init(c)
    start(c)
    ensure_database(c)
    return c


# ---- streaming replicas of the embedded cluster (DESIGN §8) ------------------------------
#
# A replica is a hot standby made by ``pg_basebackup -R`` over a physical replication slot
# (the primary keeps the WAL a stopped replica still needs), in ``.civgeo/pg-replica-N`` on
# its own port. Long reads on a replica are not cancelled by the primary's vacuum
# (``hot_standby_feedback``: the replica tells the primary which rows it still reads), and
# a replica whose replay waits for a long read waits at most ``max_standby_streaming_delay``
# before cancelling it; ``statement_timeout`` on the replica bounds every read there.
REPLICA_CONF = """
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = '30s'
wal_receiver_status_interval = '1s'
statement_timeout = '60s'
"""


def replica(n: int) -> Cluster:
    """Replica number ``n`` of the embedded cluster (its port is kept beside its data)."""
    root = home() / f"pg-replica-{n}"
    port_file = root / "port"
    port = int(port_file.read_text()) if port_file.exists() else cluster().port + n
    return Cluster(root, port)


def replicas() -> list[tuple[int, Cluster]]:
    """The replicas made so far, by number."""
    found = []
    for path in home().glob("pg-replica-*"):
        suffix = path.name.rsplit("-", 1)[-1]
        if suffix.isdigit() and (path / "port").exists():
            found.append((int(suffix), replica(int(suffix))))
    return sorted(found, key=lambda pair: pair[0])


def slot_name(n: int) -> str:
    return f"civgeo_replica_{n}"


def add_replica(port: int | None = None) -> tuple[int, Cluster]:
    """Make a streaming replica of the running embedded cluster and start it."""
    primary = cluster()
    if server_pid(primary) is None:
        raise SetupError("the embedded cluster is not running: `civgeo db up` first")
    taken = {n for n, _ in replicas()}
    n = next(i for i in range(1, 100) if i not in taken)
    port = port or next(p for p in range(primary.port + n, primary.port + 200)
                        if _port_free(p) and p not in {c.port for _, c in replicas()})
    c = Cluster(home() / f"pg-replica-{n}", port)
    shutil.rmtree(c.root, ignore_errors=True)
    c.root.mkdir(parents=True)
    c.run.mkdir()
    for p in (c.root, c.run):
        _chown(p)
    password = primary.password_file.read_text().strip()
    try:   # -R writes the connection (with the password) into the replica's settings
        _run([str(bindir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
              "-U", SUPERUSER, "-D", str(c.data), "-X", "stream", "-R", "-C",
              "-S", slot_name(n), "--checkpoint=fast", "--no-password"],
             env={"PGPASSWORD": password})
    except SetupError:
        shutil.rmtree(c.root, ignore_errors=True)
        _drop_slot(primary, n)
        raise
    with open(c.data / "postgresql.conf", "a", encoding="utf-8") as fh:
        fh.write("\n# civgeo streaming replica\n" + REPLICA_CONF)
    (c.root / "port").write_text(f"{port}\n")
    start(c)
    return n, c


def _drop_slot(primary: Cluster, n: int) -> None:
    from geo.db import connect

    conn = connect(primary.url("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        "WHERE slot_name = %s AND NOT active", (slot_name(n),))
    finally:
        conn.close()


def remove_replica(n: int) -> bool:
    """Stop replica ``n``, delete its data and drop its slot on the primary (so the primary
    stops keeping WAL for it); False when there is no such replica."""
    c = replica(n)
    if not c.root.exists():
        return False
    stop(c)
    shutil.rmtree(c.root)
    if server_pid(cluster()) is not None:
        _drop_slot(cluster(), n)
    return True
