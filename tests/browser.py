"""Maps opened in a real headless Chromium with no network (DESIGN §7): the DOM after the
scripts ran, and the layer control's entries; and pages served by the API, opened through
Playwright with every request off this machine refused."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from maps.assets import copy_beside


def open_in_chromium(m, tmp_path) -> str:
    """Write the map beside the local assets, open it headless and offline; return the DOM
    after asserting that no script failed."""
    out = tmp_path / "maps"
    out.mkdir()
    copy_beside(out)
    page = out / "map.html"
    page.write_text(m.get_root().render(), encoding="utf-8")
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic", f"--user-data-dir={tmp_path / uuid.uuid4().hex}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
         page.as_uri()], capture_output=True, text=True, timeout=120)
    errors = [line for line in proc.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]
    assert errors == []
    assert "<canvas" in proc.stdout  # the vector layers were drawn
    return proc.stdout


def overlays(dom: str) -> dict[str, bool]:
    """Layer control entries: name -> shown when the map opens."""
    block = re.search(r'leaflet-control-layers-overlays">(.*?)</div>', dom, re.S).group(1)
    return {name: "checked" in attrs
            for attrs, name in re.findall(r"<input ([^>]*)><span> (.*?)</span>", block)}


# Playwright on the system Chromium (browsers cannot be downloaded here), for pages served
# by the API: every request that is not to 127.0.0.1 (or a file) is aborted and recorded.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextmanager
def chromium_browser() -> Iterator:
    """A headless system Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
        try:
            yield browser
        finally:
            browser.close()


class OfflinePage:
    """A page of its own context with the network off except 127.0.0.1: requests elsewhere
    are aborted (``blocked``); console errors and uncaught exceptions are kept (``errors``),
    and so are the responses whose URL contains ``watch`` (``watched``). ``options`` go to
    the context (geolocation, permissions, service workers…)."""

    def __init__(self, browser, *, headers: dict | None = None, watch: str = "/tiles/",
                 viewport: tuple[int, int] = (1280, 860), locale: str | None = None,
                 **options) -> None:
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           extra_http_headers=headers or {}, locale=locale,
                                           **options)
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.watched: list = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", lambda r: watch in r.url and self.watched.append(r))

    def _route(self, route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("file", "data", "blob") or url.hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("internetdisconnected")

    def close(self) -> None:
        """Close the page's context."""
        self.context.close()
