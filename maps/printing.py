"""Printing: the Jinja templates of the printable pages (``maps/templates``) and HTML → PDF
with headless Chromium, a few prints at a time.

Chromium takes a second or more and a few hundred MB per print, so at most
``CIVGEO_PRINT_SLOTS`` (default 2) run at once in a process; the others wait their turn
(the API makes them wait before they take a worker thread, ``api.printing``). Callers hand
over no database connection while they wait: they gather the data first, return the
connection, then print.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from geo.errors import SetupError, Timeout

TEMPLATES = Path(__file__).with_name("templates")
PRINT_TIMEOUT_S = 120


def print_slots() -> int:
    """How many prints may run at once (``CIVGEO_PRINT_SLOTS``, default 2)."""
    raw = os.environ.get("CIVGEO_PRINT_SLOTS", "2")
    if not raw.isdigit() or not 1 <= int(raw) <= 16:
        raise SetupError(f"CIVGEO_PRINT_SLOTS={raw!r} must be a whole number from 1 to 16.")
    return int(raw)


_PRINTING = threading.BoundedSemaphore(print_slots())


def templates(**filters: Callable) -> Environment:
    """A Jinja environment for ``maps/templates`` (HTML autoescaped) with ``filters``."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters.update(filters)
    return env


def html_to_pdf(html_text: str) -> bytes:
    """Print HTML to PDF with headless Chromium (A4, the page's own print CSS).

    ``Timeout`` when Chromium takes longer than two minutes, ``SetupError`` when it cannot
    print at all (not installed).
    """
    with _PRINTING, tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        src.write_text(html_text, encoding="utf-8")
        try:
            proc = _chromium(tmp, src, out)
        except subprocess.TimeoutExpired:
            raise Timeout("printing the PDF took too long; try a smaller division") from None
        if not out.exists():
            raise SetupError("Chromium could not print the PDF (is chromium installed? `make "
                             f"deps`): {proc.stderr.decode(errors='replace')[-200:]}")
        return out.read_bytes()


def _chromium(tmp: str, src: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={Path(tmp) / uuid.uuid4().hex}",
         "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()],
        capture_output=True, timeout=PRINT_TIMEOUT_S)
