"""What the field app's browser tests share: a phone (a 390×844 Chromium context with
geolocation allowed and moved by the test, the network off beyond 127.0.0.1), an inspector
of 荷塘区's team signed in through the app, positions along the sample's real 荷芦线, and
reads of what the server holds."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import httpx
from PIL import Image, ImageDraw

from geo.db import connect, fetch_all, fetch_one
from tests.browser import OfflinePage
from tests.factories import committed_inspector

PHONE = (390, 844)
INSPECTOR = "荷塘巡线员"
PASSWORD = "field-pass-1234"
LINE = "荷芦线"
STEP_S = 20            # seconds between fixes while walking (34 m: a walking pace)


@dataclass
class Field:
    """The inspector, its inspection of 荷芦线 and the API to check what the server holds."""

    server: str
    db_url: str
    inspection: int
    line_m: float
    token: str

    @property
    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.server, timeout=60,
                            headers={"Authorization": f"Bearer {self.token}"})

    def at(self, fraction: float) -> dict:
        """The position at ``fraction`` of the line's length from its start."""
        return along(self.db_url, [fraction])[0]

    def count(self, table: str) -> int:
        conn = connect(self.db_url)
        try:
            return fetch_one(conn, f"SELECT count(*) AS n FROM {table} "  # noqa: S608
                                   "WHERE inspection_id = %s", (self.inspection,))["n"]
        finally:
            conn.close()


def along(db_url: str, fractions: list[float]) -> list[dict]:
    """Positions (lon, lat) at these fractions of 荷芦线's length."""
    conn = connect(db_url)
    try:
        rows = fetch_all(conn, """
            SELECT f, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
              SELECT f, ST_LineInterpolatePoint(ST_LineMerge(geom), f) AS p
              FROM boundary_lines, unnest(%s::float8[]) f WHERE name = %s) s""",
                         (fractions, LINE))
    finally:
        conn.close()
    return sorted(rows, key=lambda r: fractions.index(r["f"]))


def field_for(server: str, db_url: str) -> Field:
    """An inspector (password sign-in) in 荷塘区's team, the supporting side of 荷芦线 2024."""
    headers = committed_inspector(db_url, INSPECTOR, "荷塘区联检工作组", PASSWORD)
    conn = connect(db_url)
    try:
        row = fetch_one(conn, "SELECT i.id, l.length_m FROM inspections i JOIN boundary_lines l "
                              "ON l.id = i.line_id WHERE l.name = %s AND i.year = 2024",
                        (LINE,))
    finally:
        conn.close()
    return Field(server, db_url, row["id"], float(row["length_m"]),
                 headers["Authorization"].removeprefix("Bearer "))


def phone(browser, start: dict, *, clock: bool = True) -> OfflinePage:
    """A phone at ``start`` with location allowed; its clock is the test's (``run_for``)."""
    view = OfflinePage(browser, viewport=PHONE, locale="zh-CN", permissions=["geolocation"],
                       geolocation={"latitude": start["lat"], "longitude": start["lon"],
                                    "accuracy": 5}, has_touch=True, is_mobile=True)
    if clock:
        view.page.clock.install()
    return view


def open_app(view: OfflinePage, field: Field) -> None:
    """Open /field/ and sign in through the app's link (the staff sign-in form)."""
    page = view.page
    page.goto(f"{field.server}/field/")
    page.wait_for_selector("body[data-ready=true]")
    page.click("main a.button")                       # 登录
    page.fill("input[name=name]", INSPECTOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.signin button[type=submit]")
    page.wait_for_url("**/field/**")
    page.wait_for_selector(".line-card")


def ready_offline(view: OfflinePage) -> None:
    """Wait until the service worker controls the page and the line's tiles are stored."""
    view.page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    view.page.wait_for_selector("body[data-tiles]", timeout=120_000)


def walk(view: OfflinePage, points: list[dict], step_s: float = STEP_S) -> None:
    """Move the phone through ``points``, ``step_s`` seconds apart on the page's clock;
    return once the app has stored each fix."""
    page = view.page
    for p in points:
        before = int(page.get_attribute("body", "data-points") or 0)
        page.clock.run_for(int(step_s * 1000))
        view.context.set_geolocation({"latitude": p["lat"], "longitude": p["lon"], "accuracy": 5})
        page.wait_for_function(f"Number(document.body.dataset.points || 0) > {before}")


def start_patrol(view: OfflinePage, field: Field, members: str = "张三, 李四") -> None:
    page = view.page
    page.click(f".line-card[data-inspection='{field.inspection}'] a.primary")
    page.fill("input[name=members]", members)
    page.click("#start-form button[type=submit]")
    page.wait_for_selector("#live")


def end_patrol(view: OfflinePage) -> None:
    view.page.click("#end-patrol")
    view.page.wait_for_url("**#/sync")


def synced(view: OfflinePage, n: int) -> None:
    """Wait until ``n`` records show 已同步 on the sync page (once a form just sent has gone)."""
    view.page.wait_for_selector("#check-form, #hazard-form, #edit-form", state="detached")
    view.page.goto(view.page.url.split("#")[0] + "#/sync")
    try:
        view.page.wait_for_function(
            f"document.querySelectorAll('#queue li[data-state=synced]').length >= {n}",
            timeout=60_000)
    except Exception:
        raise AssertionError(view.page.inner_text("body")) from None


def photo(width: int = 4000, height: int = 3000, seed: int = 1) -> bytes:
    """A camera-sized JPEG of a marker post (noisy, so it stays megabytes when resized)."""
    rng = random.Random(seed)
    img = Image.effect_noise((width, height), 60).convert("RGB")
    draw = ImageDraw.Draw(img)
    draw.rectangle((width * 0.45, height * 0.2, width * 0.55, height * 0.9), fill="#e8e8e0")
    draw.rectangle((width * 0.45, height * 0.3, width * 0.55, height * 0.36),
                   fill=(200, 30 + rng.randrange(20), 30))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return out.getvalue()


def add_photo(view: OfflinePage, data: bytes, name: str = "IMG_0001.jpg") -> None:
    """Pick a photo from the 'camera' and wait until it is resized and shown."""
    page = view.page
    before = page.locator("img.thumb").count()
    page.set_input_files("input[name=photo]", files=[{"name": name, "mimeType": "image/jpeg",
                                                      "buffer": data}])
    page.wait_for_function(f"document.querySelectorAll('img.thumb').length > {before}",
                           timeout=30_000)
