"""The public HTML pages: the search page for standard names and addresses, and the page a
scanned QR plate opens. Printable pages (registers, reports, QR sheets) are in ``maps``."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from maps import basemap

_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]))


def search_page() -> str:
    """The public search page (static; it calls the JSON API); its small map draws
    civgeo's own basemap from this server's tiles."""
    return _ENV.get_template("search.html").render(basemap=basemap.page_script())


def qr_page(page: dict | None, token: str, *, error: str | None = None,
            gone: bool = False) -> str:
    """What a scanned plate shows (``geo.plates.plates.by_token``), or why it shows nothing
    (an unknown or a withdrawn code)."""
    return _ENV.get_template("qr_page.html").render(page=page, error=error, gone=gone,
                                                    token=token)
