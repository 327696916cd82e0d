"""The ``civgeo`` command line: the database, sample data, users, analyses, maps and the
server (DESIGN §4).

One module per command group, each with ``register(subparsers)`` (Nominatim's ``clicmd``
shape). A command parses its arguments, calls one domain function inside ``session()``
(``session(write=True)`` for writes), then prints or draws the result.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from geo import localdb
from geo.db import connect, transaction
from geo.errors import DomainError, SetupError

DESCRIPTION = """\
civgeo: place names, house numbers and plates, boundary lines and their joint inspections,
eldercare coverage, on PostGIS. The database is the embedded cluster, or DATABASE_URL.
`civgeo COMMAND --help` tells more about a command."""
# The command groups, in the order ``civgeo --help`` lists them.
GROUPS = ("db", "fixtures", "users", "names", "network", "facilities", "coverage",
          "population", "boundaries", "plates", "imports", "export", "maps", "serve")


@contextmanager
def session(*, write: bool = False) -> Iterator[psycopg2.extensions.connection]:
    """A connection for one command, always closed; with ``write``, what the block did is
    committed at its end, or rolled back if it raised."""
    conn = connect(localdb.database_url())
    try:
        if write:
            with transaction(conn):
                yield conn
        else:
            yield conn
    finally:
        conn.close()


def print_json(data) -> None:
    """Print ``data`` as indented JSON, Chinese as it is."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def output_file(path: str) -> Path:
    """``path`` as a Path, its folder created if need be (for --out FILE)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def write_page(path: str, data, *, html: Callable, pdf: Callable) -> Path:
    """Write a printable page of ``data``: PDF when ``path`` ends in .pdf (printed after the
    caller closed its connection), else HTML. Returns the path written."""
    out = output_file(path)
    if out.suffix == ".pdf":
        out.write_bytes(pdf(data))
    else:
        out.write_text(html(data), encoding="utf-8")
    return out


def output_folder(path: str) -> Path:
    """``path`` as a Path to a folder that exists (for --out FOLDER)."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _summary(doc: str) -> str:
    """The first paragraph of a docstring, on one line (for the list of commands)."""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def group(subparsers, name: str, about: str, metavar: str = "ACTION"):
    """Add the group ``civgeo NAME …`` described by ``about``; return its subparsers."""
    parser = subparsers.add_parser(name, help=about, description=about)
    return parser.add_subparsers(required=True, metavar=metavar)


def command(subparsers, name: str, fn: Callable, **kw) -> argparse.ArgumentParser:
    """Add the command ``name`` running ``fn(args)``; ``fn``'s docstring is its help."""
    parser = subparsers.add_parser(name, help=_summary(fn.__doc__),
                                   description=inspect.cleandoc(fn.__doc__),
                                   formatter_class=argparse.RawDescriptionHelpFormatter, **kw)
    parser.set_defaults(fn=fn, command_parser=parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``civgeo`` parser with every command group registered."""
    from importlib import import_module

    parser = argparse.ArgumentParser(prog="civgeo", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(required=True, metavar="COMMAND")
    for name in GROUPS:
        import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments of one command. Arguments it does not take are reported with the
    usage of that command (argparse would report them with the top-level usage)."""
    args, extra = build_parser().parse_known_args(argv)
    if extra:
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``civgeo`` console script: errors end in one line and exit 2."""
    try:
        args = parse(argv)
        args.fn(args)
    except (SetupError, DomainError) as exc:
        print(f"civgeo: {exc}", file=sys.stderr)
        sys.exit(2)
    except psycopg2.Error as exc:
        first = (exc.pgerror or str(exc) or type(exc).__name__).strip().splitlines()[0]
        print(f"civgeo: the database refused this: {first}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # e.g. `civgeo db status | head`
        sys.stderr.close()
        sys.exit(0)
