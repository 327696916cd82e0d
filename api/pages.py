"""HTML pages: the 标准地名录 register (HTML and PDF) and the public search page."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
import uuid
from itertools import groupby
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from geo.errors import SetupError, Timeout

_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]))
SYNTHETIC_NOTE = ("样例数据中乡镇、社区的位置为合成（synthetic）数据，名称与代码为真实数据。")


def register_html(entries: list[dict], division: str, division_name: str) -> str:
    """The register as a printable HTML page, names grouped by category."""
    groups = [(cat, list(rows)) for cat, rows in groupby(entries, key=lambda r: r["category"])]
    return _ENV.get_template("register.html").render(
        title=f"{division_name}标准地名录", division=division, division_name=division_name,
        total=len(entries), groups=groups, today=dt.date.today().isoformat(),
        note=SYNTHETIC_NOTE)


def html_to_pdf(html_text: str) -> bytes:
    """Print HTML to PDF with headless Chromium (A4, the page's own print CSS)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        src.write_text(html_text, encoding="utf-8")
        try:
            proc = _print(tmp, src, out)
        except subprocess.TimeoutExpired:
            raise Timeout("printing the PDF took too long; try a smaller division") from None
        if not out.exists():
            raise SetupError("Chromium could not print the PDF (is chromium installed? `make "
                             f"deps`): {proc.stderr.decode(errors='replace')[-200:]}")
        return out.read_bytes()


def _print(tmp: str, src: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={Path(tmp) / uuid.uuid4().hex}",
         "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()],
        capture_output=True, timeout=120)


def search_page() -> str:
    """The public search page (static; it calls the JSON API)."""
    return _ENV.get_template("search.html").render()
