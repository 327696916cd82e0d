"""What the desks' browser tests share: a signed-in page in headless Chromium (Chinese
first, network off beyond 127.0.0.1), its screenshots, and the check that nothing went
wrong in it (no console error, no request off this machine)."""

from __future__ import annotations

from pathlib import Path

from tests.browser import OfflinePage

SHOTS = Path("/tmp/civgeo-web")
LAPTOP = (1366, 768)
TABLET = (820, 1180)


def signed_in(browser, server: str, name: str, password: str, path: str, *,
              viewport: tuple[int, int] = LAPTOP, locale: str = "zh-CN") -> OfflinePage:
    """A page signed in as ``name`` through the sign-in form, at ``path``."""
    view = OfflinePage(browser, viewport=viewport, locale=locale)
    page = view.page
    page.goto(f"{server}{path}")
    assert "/login?next=" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(f"**{path}*")
    return view


def shot(view: OfflinePage, name: str) -> Path:
    """A screenshot of the page in ``/tmp/civgeo-web`` (for the closing notes)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    view.page.screenshot(path=str(path), full_page=False)
    return path


def assert_clean(view: OfflinePage, *, answered: tuple[int, ...] = ()) -> None:
    """No console error, no uncaught exception, no request off 127.0.0.1. ``answered``:
    the statuses of problems the test provoked on purpose (Chromium logs each failed fetch
    as a console error); any other is still an error."""
    logged = [f"the server responded with a status of {s} " for s in answered]
    assert [e for e in view.errors if not any(x in e for x in logged)] == []
    assert view.blocked == []


def accept_dialogs(view: OfflinePage) -> list[str]:
    """Accept every confirm() the page asks; return the questions asked."""
    asked: list[str] = []

    def on_dialog(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    view.page.on("dialog", on_dialog)
    return asked


def fits(view: OfflinePage) -> bool:
    """The page has no horizontal scroll at its viewport (works at 1366×768 and on a
    tablet)."""
    return view.page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1")
