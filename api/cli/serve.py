"""``civgeo serve``: run the API and the web apps with uvicorn (DESIGN §4)."""

from __future__ import annotations

import os

from api.cli import command, session
from geo.errors import SetupError


def serve(args) -> None:
    """Run the API with uvicorn (host, port and workers also from CIVGEO_HOST, CIVGEO_PORT
    and CIVGEO_WORKERS)."""
    import uvicorn

    with session():
        pass                 # fail early, in one line, with no database
    uvicorn.run("api.main:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level,
                access_log=args.log_level != "warning")


def _env_int(name: str, default: int) -> int:
    """A whole number from the environment variable ``name``, else ``default``."""
    raw = os.environ.get(name, str(default))
    if not raw.isdigit():
        raise SetupError(f"{name}={raw!r} is not a whole number")
    return int(raw)


def register(subparsers) -> None:
    """Add ``civgeo serve``."""
    sv = command(subparsers, "serve", serve)
    sv.add_argument("--host", default=os.environ.get("CIVGEO_HOST", "127.0.0.1"),
                    help="default: %(default)s")
    sv.add_argument("--port", type=int, default=_env_int("CIVGEO_PORT", 8000),
                    help="default: %(default)s")
    sv.add_argument("--workers", type=int, default=_env_int("CIVGEO_WORKERS", 1),
                    help="worker processes, each with its own connection pool "
                         "(default: %(default)s)")
    sv.add_argument("--log-level", default="info", choices=["debug", "info", "warning"],
                    help="warning also turns the access log off (default: %(default)s)")
