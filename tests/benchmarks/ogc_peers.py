"""OGC API – Features against its peers (issue 13's speed targets), in one run:

1. Items, 1,000 features of ``network_edges`` per page, ``wrk`` with 8 connections: civgeo
   against **tipg** and **pygeoapi** (PostgreSQL provider), each one worker process on a free
   loopback port, all serving the same table of the same database. Requests/s, p50, p99 and
   the ratios civgeo/tipg and civgeo/pygeoapi. Before timing, every server's pages are fetched
   and checked against the table (1,000 features, the same ids), so a server answering errors
   fast cannot win.
2. ``ogr2ogr -f GPKG`` of the whole layer over OAPIF with the installed GDAL's defaults, for
   each server: seconds, the page size GDAL chose, requests made, features copied against the
   table's count (a mismatch is printed loudly).

The peers are installed from PyPI on first use into virtualenvs of their own under the
project's data folder (``.civgeo/peers/{tipg,pygeoapi}``: their pins clash with civgeo's),
with the system Python's ``venv``; the versions are pinned below and printed with the figures.

``make bench`` runs it; alone: ``.venv/bin/python -m tests.benchmarks.ogc_peers [--seconds 12]
[--ogr-timeout 120] [--only civgeo,tipg] [--no-ogr]``. The database is the project's
(``DATABASE_URL`` or the embedded cluster's ``civgeo``), which ``make fixtures`` loads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from geo import localdb
from geo.db import connect, fetch_all, fetch_value

TABLE = "network_edges"
PAGE = 1000
CLIENTS = 8
# Offsets of the pages timed (the same for every server): start, middle, near the end.
OFFSETS = (0, 20_000, 45_000, 70_000, 91_000)

# Pinned so that runs compare like with like; bump deliberately (the figures name them).
PEER_REQUIREMENTS = {
    "tipg": ["tipg==1.6.1", "uvicorn==0.55.0"],
    "pygeoapi": ["pygeoapi==0.21.0", "psycopg2-binary==2.9.13", "GeoAlchemy2==0.20.0",
                 "SQLAlchemy==2.1.9", "starlette==1.10.0", "uvicorn==0.55.0"],
}
# Packages whose installed versions are printed with the figures.
SHOWN = {"tipg": ["tipg", "uvicorn", "fastapi", "asyncpg"],
         "pygeoapi": ["pygeoapi", "uvicorn", "starlette", "SQLAlchemy", "GeoAlchemy2",
                      "psycopg2-binary", "pyproj"]}


class PeerUnavailable(RuntimeError):
    """A peer could not be installed or started; the other servers are still measured."""


@dataclass
class Server:
    name: str
    base: str          # the OGC API landing page, no trailing slash
    collection: str    # the collection id of network_edges on this server
    log: Path | None = None
    versions: str = ""
    notes: list[str] = field(default_factory=list)

    def items(self, offset: int, limit: int = PAGE) -> str:
        return f"{self.base}/collections/{self.collection}/items?limit={limit}&offset={offset}"


# --------------------------------------------------------------------------- the peers' venvs

def peers_home() -> Path:
    return localdb.home() / "peers"


def _system_python() -> str:
    """The interpreter behind civgeo's venv (the system Python 3.11), not the venv's own."""
    base = getattr(sys, "_base_executable", None)
    return base if base and Path(base).exists() else (shutil.which("python3") or sys.executable)


def ensure_venv(name: str) -> Path:
    """``.civgeo/peers/NAME`` with the pinned requirements, made on first use (or when the
    pins change); returns the venv's folder."""
    reqs = PEER_REQUIREMENTS[name]
    root = peers_home() / name
    stamp = root / ".installed"
    if stamp.exists() and stamp.read_text() == "\n".join(reqs):
        return root
    print(f"  installing {name} from PyPI into {root} ({', '.join(reqs)}) …", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    steps = [[_system_python(), "-m", "venv", str(root)],
             [str(root / "bin" / "python"), "-m", "pip", "install", "-q",
              "--disable-pip-version-check", *reqs]]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
            raise PeerUnavailable(f"{name}: `{' '.join(cmd[:4])} …` failed:\n{tail}")
    stamp.write_text("\n".join(reqs))
    return root


def installed_versions(root: Path, names: list[str]) -> str:
    out = subprocess.run([str(root / "bin" / "python"), "-m", "pip", "list",
                          "--disable-pip-version-check", "--format=json"],
                         capture_output=True, text=True).stdout
    have = {p["name"].lower(): p["version"] for p in json.loads(out or "[]")}
    return ", ".join(f"{n} {have.get(n.lower(), '?')}" for n in names)


# --------------------------------------------------------------------------- running servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": "application/geo+json, application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


@contextmanager
def process(name: str, cmd: list[str], env: dict[str, str], ready_url: str,
            workdir: Path) -> Iterator[Path]:
    """Run a server; yield its log file once ``ready_url`` answers 200 (or raise)."""
    log = workdir / f"{name}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                cwd=workdir, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise PeerUnavailable(f"{name} exited ({proc.returncode}) at start:\n"
                                      + _tail(log))
            try:
                if _get(ready_url, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise PeerUnavailable(f"{name} did not answer {ready_url} in 90 s:\n"
                                      + _tail(log))
            time.sleep(0.3)
        yield log
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _tail(log: Path, n: int = 12) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return {**env, **extra}


@contextmanager
def serve_civgeo(url: str, workdir: Path) -> Iterator[Server]:
    port = free_port()
    cmd = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "1",
           "--log-level", "warning"]
    env = {**os.environ, "DATABASE_URL": url, "CIVGEO_POOL_MAX": str(CLIENTS)}
    base = f"http://127.0.0.1:{port}/ogc"
    with process("civgeo", cmd, env, f"http://127.0.0.1:{port}/health", workdir) as log:
        yield Server("civgeo", base, TABLE, log, versions="this checkout")


@contextmanager
def serve_tipg(url: str, workdir: Path) -> Iterator[Server]:
    root = ensure_venv("tipg")
    port = free_port()
    env = _child_env(
        DATABASE_URL=url,
        TIPG_DB_SCHEMAS='["public"]',
        TIPG_DB_TABLES=f'["public.{TABLE}"]',
        TIPG_DB_FUNCTIONS="[]",          # publish the table only, not PostGIS's functions
        TIPG_DB_MAX_CONN_SIZE=str(CLIENTS),
        TIPG_MAX_FEATURES_PER_QUERY="10000",
    )
    cmd = [str(root / "bin" / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1",
           "--port", str(port), "--workers", "1", "--log-level", "warning",
           "--no-access-log"]
    base = f"http://127.0.0.1:{port}"
    coll = f"public.{TABLE}"
    with process("tipg", cmd, env, f"{base}/collections/{coll}", workdir) as log:
        yield Server("tipg", base, coll, log, versions=installed_versions(root, SHOWN["tipg"]))


def pygeoapi_config(url: str, port: int, bbox: list[float]) -> dict:
    """A pygeoapi configuration publishing ``network_edges`` with the PostgreSQL provider
    (written as JSON, which YAML reads)."""
    u = urlsplit(url)
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "gzip": False,
            "pretty_print": False,
            # pygeoapi's default page is 10 features; allow pages as large as the others do.
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "© OpenStreetMap contributors"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {   # pygeoapi reads every one of these keys
            "identification": {"title": "civgeo benchmark peer",
                               "description": "network_edges for the OGC items benchmark",
                               "keywords": ["benchmark"], "keywords_type": "theme",
                               "terms_of_service": "", "url": "http://127.0.0.1"},
            "license": {"name": "ODbL", "url": "https://opendatacommons.org/licenses/odbl/"},
            "provider": {"name": "civgeo benchmark", "url": "http://127.0.0.1"},
            "contact": {k: "" for k in (
                "name", "position", "address", "city", "stateorprovince", "postalcode",
                "country", "phone", "fax", "email", "url", "hours", "instructions", "role")}
            | {"name": "civgeo", "role": "pointOfContact"},
        },
        "resources": {
            TABLE: {
                "type": "collection",
                "title": TABLE,
                "description": "street network edges (OpenStreetMap, central Wuhan)",
                "keywords": ["network"],
                "extents": {"spatial": {
                    "bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [{
                    "type": "feature",
                    "name": "PostgreSQL",
                    "data": {"host": u.hostname, "port": u.port or 5432,
                             "dbname": u.path.lstrip("/"), "user": u.username,
                             "password": u.password, "search_path": ["public"]},
                    "id_field": "id",
                    "table": TABLE,
                    "geom_field": "geom",
                    # The table is CGCS2000 (EPSG:4490) in PostGIS's lon/lat order. Declared
                    # as such, pygeoapi 0.21 answers CRS84 with lat/lon swapped (it reads the
                    # stored x/y in EPSG:4490's lat/lon axis order), so it is left at its
                    # default storage CRS, CRS84: no per-feature transform, right coordinates
                    # (CGCS2000 and WGS 84 differ by centimetres).
                }],
            },
        },
    }


@contextmanager
def serve_pygeoapi(url: str, workdir: Path, bbox: list[float]) -> Iterator[Server]:
    root = ensure_venv("pygeoapi")
    port = free_port()
    config = workdir / "pygeoapi-config.yml"
    openapi = workdir / "pygeoapi-openapi.yml"
    config.write_text(json.dumps(pygeoapi_config(url, port, bbox), indent=1))
    env = _child_env(PYGEOAPI_CONFIG=str(config), PYGEOAPI_OPENAPI=str(openapi))
    done = subprocess.run([str(root / "bin" / "pygeoapi"), "openapi", "generate", str(config),
                           "--output-file", str(openapi)], env=env, capture_output=True,
                          text=True, cwd=workdir)
    if done.returncode or not openapi.exists():
        raise PeerUnavailable("pygeoapi openapi generate failed:\n"
                              + "\n".join((done.stdout + done.stderr).splitlines()[-8:]))
    # The Starlette app runs each request's provider call in a thread pool.
    cmd = [str(root / "bin" / "uvicorn"), "pygeoapi.starlette_app:APP", "--host", "127.0.0.1",
           "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    base = f"http://127.0.0.1:{port}"
    with process("pygeoapi", cmd, env, f"{base}/collections/{TABLE}", workdir) as log:
        yield Server("pygeoapi", base, TABLE, log,
                     versions=installed_versions(root, SHOWN["pygeoapi"]))


# --------------------------------------------------------------------------- checks

def expected_page(conn, offset: int) -> dict[int, tuple[float, float]]:
    """The ids of the page at ``offset`` in id order, with each edge's first vertex."""
    return {r["id"]: (r["x"], r["y"]) for r in fetch_all(
        conn, f"SELECT id, ST_X(ST_StartPoint(geom)) AS x, ST_Y(ST_StartPoint(geom)) AS y "
              f"FROM {TABLE} ORDER BY id OFFSET %s LIMIT %s", (offset, PAGE))}


def check_pages(server: Server, expected: dict[int, dict]) -> tuple[bool, int]:
    """Fetch every timed page once; True when each is a 200 GeoJSON page with the table's
    ids for that page (same ids in another order is allowed, and noted) and their first
    vertices in CRS84 lon/lat within 1e-5° (catches swapped axes). Returns (ok, bytes of the
    median page)."""
    ok, sizes = True, []
    for offset, page in expected.items():
        want = list(page)
        status, ctype, body = _get(server.items(offset))
        sizes.append(len(body))
        if status != 200:
            print(f"  !! {server.name}: offset {offset}: HTTP {status} {body[:200]!r}")
            ok = False
            continue
        try:
            feats = json.loads(body)["features"]
        except (ValueError, KeyError, TypeError):
            print(f"  !! {server.name}: offset {offset}: not a FeatureCollection ({ctype}): "
                  f"{body[:200]!r}")
            ok = False
            continue
        ids = [_as_int(f.get("id", (f.get("properties") or {}).get("id"))) for f in feats]
        if len(feats) != len(want):
            print(f"  !! {server.name}: offset {offset}: {len(feats)} features, "
                  f"expected {len(want)}")
            ok = False
        elif ids != want:
            if sorted(i for i in ids if i is not None) == want:
                note = "pages hold the table's ids but not in id order (no ORDER BY)"
                if note not in server.notes:
                    server.notes.append(note)
            else:
                print(f"  !! {server.name}: offset {offset}: feature ids differ from the "
                      f"table's (first {ids[:3]}, expected {want[:3]})")
                ok = False
        off = [i for i, f in zip(ids, feats, strict=True)
               if i in page and not _near(_first_vertex(f), page[i])]
        if off:
            f = feats[ids.index(off[0])]
            print(f"  !! {server.name}: offset {offset}: {len(off)} features whose geometry is "
                  f"not the table's (id {off[0]}: first vertex {_first_vertex(f)}, table "
                  f"{page[off[0]]})")
            ok = False
    return ok, int(statistics.median(sizes))


def _first_vertex(feature: dict) -> tuple | None:
    c = (feature.get("geometry") or {}).get("coordinates")
    while isinstance(c, list) and c and isinstance(c[0], list):
        c = c[0]
    return tuple(c[:2]) if isinstance(c, list) and len(c) >= 2 else None


def _near(a: tuple | None, b: tuple[float, float], tol: float = 1e-5) -> bool:
    return a is not None and abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def _as_int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- load (wrk)

_WRK_LUA = """
local paths = {}
for line in io.lines(os.getenv("CIVGEO_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = "application/geo+json, application/json"})
end
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms_of(text: str | None) -> float:
    if not text:
        return float("nan")
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(server: Server, seconds: float, workdir: Path) -> dict:
    lua = workdir / "pages.lua"
    lua.write_text(_WRK_LUA)
    paths = workdir / f"paths-{server.name}.txt"
    paths.write_text("".join(urlsplit(server.items(o)).path + "?" + urlsplit(server.items(o)).query
                             + "\n" for o in OFFSETS))
    root = urlsplit(server.base)
    cmd = ["wrk", "-t1", f"-c{CLIENTS}", "--timeout", "60s", "--latency", "-s", str(lua),
           f"-d{max(1, round(seconds))}s", f"{root.scheme}://{root.netloc}"]
    out = subprocess.run(cmd, env={**os.environ, "CIVGEO_PATHS": str(paths)},
                         capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    xfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    per_s = float(xfer.group(1)) * {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}[xfer.group(2)] \
        if xfer else 0.0
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": _ms_of(pct.get("50")),
            "bytes": per_s / float(rps.group(1)) if rps and float(rps.group(1)) else 0.0,
            "p99": _ms_of(pct.get("99")), "errors": int(bad.group(1)) if bad else 0,
            "socket": sock.group(1).strip() if sock else ""}


# --------------------------------------------------------------------------- deep pages

def paging_cost(server: Server, deep: int, repeat: int = 5) -> tuple[float, float]:
    """Median ms of a 10-feature page at offset 0 and at ``deep``: what GDAL before 3.8 asks
    for, 9,267 times for this table, so a cost growing with the offset makes the copy
    quadratic."""
    out = []
    for offset in (0, deep):
        _get(server.items(offset, 10))
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            _get(server.items(offset, 10))
            ts.append(time.perf_counter() - t)
        out.append(statistics.median(ts) * 1000)
    return out[0], out[1]


# --------------------------------------------------------------------------- ogr2ogr

def ogr2ogr(server: Server, total: int, timeout: float, workdir: Path) -> str:
    out = workdir / f"{server.name}.gpkg"
    out.unlink(missing_ok=True)
    errlog = workdir / f"ogr2ogr-{server.name}.log"
    cmd = ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server.base}", server.collection]
    t = time.perf_counter()
    timed_out = False
    with open(errlog, "wb") as err:
        # CPL_DEBUG makes GDAL log each HTTP fetch: page size and request count, nothing else
        # changes (all other settings are GDAL's defaults).
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                env={**os.environ, "CPL_DEBUG": "ON"})
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc, timed_out = None, True
    seconds = time.perf_counter() - t
    text = errlog.read_text(errors="replace")
    fetches = re.findall(r"HTTP: Fetch\((\S+?)\)", text)
    items = [u for u in fetches if "/items" in u]
    limits = [int(m) for u in items for m in re.findall(r"[?&]limit=(\d+)", u)]
    page = max(set(limits), key=limits.count) if limits else None
    how = f"GDAL page size {page if page else 'server default (no limit= sent)'}, " \
          f"{len(items):,} item requests"
    if timed_out:
        # the first items request only samples the schema; the copy is the rest
        done = sum(limits[1:]) if len(limits) > 1 else 0
        guess = (f", ≈{seconds * total / done:,.0f} s at that pace (more where deep pages "
                 f"cost more, above)") if done else ""
        return (f"stopped after {seconds:.0f} s (timeout) with ~{min(done, total):,} of "
                f"{total:,} features fetched{guess}; {how}")
    if rc:
        errors = [ln for ln in text.splitlines() if ln.startswith("ERROR")][:3]
        return f"FAILED (exit {rc}) after {seconds:.1f} s: {' | '.join(errors)}; {how}"
    copied = gpkg_count(out)
    check = "= table" if copied == total else f"!! MISMATCH: table has {total:,}"
    return f"{seconds:.1f} s, {copied:,} features ({check}); {how}"


def gpkg_count(path: Path) -> int | None:
    try:
        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
            return sum(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
    except sqlite3.Error:
        return None


# --------------------------------------------------------------------------- the run

def run(url: str | None = None, seconds: float = 15.0, rounds: int = 3,
        ogr_timeout: float = 120.0, only: tuple[str, ...] = ("civgeo", "tipg", "pygeoapi"),
        do_ogr: bool = True) -> None:
    url = url or localdb.database_url()
    if not shutil.which("wrk"):
        print("ogc  SKIPPED: wrk is not installed (`make bench` installs it)")
        return
    conn = connect(url)
    conn.autocommit = True
    total = fetch_value(conn, f"SELECT count(*) FROM {TABLE}")
    if total < max(OFFSETS) + 1:
        print(f"ogc  SKIPPED: {TABLE} has {total} rows; load the sample (`make fixtures`)")
        return
    expected = {o: expected_page(conn, o) for o in OFFSETS}
    ext = fetch_all(conn, f"SELECT ST_XMin(e) AS a, ST_YMin(e) AS b, ST_XMax(e) AS c, "
                          f"ST_YMax(e) AS d FROM (SELECT ST_Extent(geom) AS e FROM {TABLE}) s")[0]
    conn.close()
    bbox = [ext["a"], ext["b"], ext["c"], ext["d"]]
    print(f"ogc  OGC API – Features, {TABLE} ({total:,} edges), pages of {PAGE:,} at offsets "
          f"{', '.join(f'{o:,}' for o in OFFSETS)}; wrk, {CLIENTS} connections, one worker "
          f"process per server; server, PostgreSQL and wrk share this machine's "
          f"{os.cpu_count()} cores (others' jobs too), so read ratios, not absolutes")
    starters = {"civgeo": lambda w: serve_civgeo(url, w), "tipg": lambda w: serve_tipg(url, w),
                "pygeoapi": lambda w: serve_pygeoapi(url, w, bbox)}
    with tempfile.TemporaryDirectory(prefix="civgeo-ogc-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        servers: list[Server] = []
        for name in only:
            try:
                servers.append(stack.enter_context(starters[name](work)))
            except PeerUnavailable as e:
                print(f"ogc  {name}: NOT MEASURED: {e}")
        for s in servers:
            print(f"  {s.name:<9} {s.base}  ({s.versions})")
        timed: list[Server] = []
        sizes: dict[str, int] = {}
        for s in servers:
            ok, sizes[s.name] = check_pages(s, expected)
            if ok:
                timed.append(s)
            else:
                print(f"ogc  {s.name}: NOT TIMED: its pages do not match the table (above)")
        results: dict[str, list[dict]] = {s.name: [] for s in timed}
        for s in timed:                                   # warm caches and connection pools
            wrk(s, 2, work)
        per_round = max(5.0, seconds / rounds)  # a round shorter than a slow answer counts none
        for _ in range(rounds):                           # interleaved rounds, medians
            for s in timed:
                results[s.name].append(wrk(s, per_round, work))
        med = {}
        for s in timed:
            rs = results[s.name]
            med[s.name] = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99")}
            errors = sum(r["errors"] for r in rs)
            socket_err = "; ".join(sorted({r["socket"] for r in rs if r["socket"]}))
            m = med[s.name]
            got = statistics.median(r["bytes"] for r in rs)
            if got < 0.9 * sizes[s.name]:       # wrk saw shorter answers than the checked pages
                s.notes.append(f"!! under load the answers averaged {got / 1e3:,.0f} kB, the "
                               f"checked pages {sizes[s.name] / 1e3:,.0f} kB")
            print(f"ogc  items {s.name:<9} {m['rps']:7.1f} requests/s, p50 {m['p50']:7.1f} ms, "
                  f"p99 {m['p99']:7.1f} ms  ({sizes[s.name] / 1e3:,.0f} kB a page; median of "
                  f"{rounds} × {per_round:.0f} s"
                  + (f"; !! {errors} non-2xx" if errors else "")
                  + (f"; !! socket errors {socket_err}" if socket_err else "") + ")")
            for note in s.notes:
                print(f"       {s.name}: {note}")
        if "civgeo" in med:
            for peer in ("tipg", "pygeoapi"):
                if peer in med and med[peer]["rps"]:
                    c, p = med["civgeo"], med[peer]
                    print(f"ogc  items civgeo/{peer}: {c['rps'] / p['rps']:.2f}× the requests/s, "
                          f"p50 {c['p50'] / p['p50']:.2f}×  (goal: "
                          + ("≥ 1× tipg)" if peer == "tipg" else "> 1× pygeoapi)"))
        deep = (total // 1000 - 1) * 1000
        for s in servers:
            first, last = paging_cost(s, deep)
            print(f"ogc  paging {s.name:<9} 10 features (GDAL 3.6's page): offset 0 "
                  f"{first:6.1f} ms, offset {deep:,} {last:6.1f} ms → {last / first:.1f}× "
                  "(median of 5)")
        if not do_ogr:
            return
        if not shutil.which("ogr2ogr"):
            print("ogc  ogr2ogr SKIPPED: GDAL is not installed (`make deps` installs gdal-bin)")
            return
        gdal = subprocess.run(["ogr2ogr", "--version"], capture_output=True,
                              text=True).stdout.strip()
        print(f"ogc  ogr2ogr -f GPKG out.gpkg OAPIF:<server> <collection>, {gdal}, defaults "
              f"(goal for civgeo: ≤ 20 s; stopped after {ogr_timeout:.0f} s)")
        for s in servers:
            print(f"ogc  ogr2ogr {s.name:<9} {ogr2ogr(s, total, ogr_timeout, work)}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="database URL (default: DATABASE_URL or the embedded civgeo)")
    ap.add_argument("--seconds", type=float, default=15.0, help="wrk seconds per server")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    ap.add_argument("--ogr-timeout", type=float, default=120.0,
                    help="stop each ogr2ogr after this many seconds (and extrapolate)")
    ap.add_argument("--only", default="civgeo,tipg,pygeoapi")
    ap.add_argument("--no-ogr", action="store_true")
    a = ap.parse_args()
    run(a.url, a.seconds, a.rounds, a.ogr_timeout, tuple(a.only.split(",")), not a.no_ogr)


if __name__ == "__main__":
    main()
