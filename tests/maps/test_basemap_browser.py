"""civgeo's own basemap in a real browser with the network off (DESIGN §5, §7): every map
the API serves, the public search page and a map written by the CLI draw it from the
service's vector tiles, with Chinese labels, no request leaving 127.0.0.1 and no console
error; 天地图 and online OSM are offered only when configured, and never load unasked.

Screenshots go to ``$CIVGEO_SHOTS`` (default: ``civgeo-basemap`` in the temp folder).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from maps import basemap
from tests.browser import OfflinePage
from tests.cli import civgeo
from tests.factories import committed_token
from tests.serving import served

SHOTS = Path(os.environ.get("CIVGEO_SHOTS") or Path(tempfile.gettempdir()) / "civgeo-basemap")
DIVISION_SUFFIXES = ("省", "市", "区", "县", "街道", "镇", "乡")

DRAWN = """() => {
  const g = (window.civgeoBasemaps || [])[0];
  return !!g && (g.drawn.features.divisions || 0) > 0 && Object.keys(g.drawn.labels).length > 0;
}"""

# What the basemap's canvases hold: tiles, pixels of land, pixels of anything else drawn
# (streets, outlines, water, buildings) and pixels of labels; every 7th pixel is sampled.
PIXELS = """() => {
  const g = window.civgeoBasemaps[0];
  const count = (layer, test) => {
    let n = 0;
    for (const c of layer.getContainer().querySelectorAll("canvas")) {
      if (!c.width) continue;
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 28) if (test(d[i], d[i + 1], d[i + 2], d[i + 3])) n++;
    }
    return n;
  };
  const land = (r, gr, b) => Math.abs(r - 0xf4) + Math.abs(gr - 0xf2) + Math.abs(b - 0xec) < 6;
  return {tiles: g.ground.getContainer().querySelectorAll("canvas").length,
          land: count(g.ground, (r, gr, b, a) => a === 255 && land(r, gr, b)),
          ink: count(g.ground, (r, gr, b, a) => a === 255 && !land(r, gr, b)),
          labels: count(g.labels, (r, gr, b, a) => a > 0),
          drawn: g.drawn};
}"""


@pytest.fixture(scope="module")
def server(db_url, sample):
    """The API served by uvicorn, once for the module (the maps only read)."""
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def admin(db_url) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, 'admin', 'basemap-admin')}"}


def shot(view: OfflinePage, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    view.page.screenshot(path=str(path), full_page=True)
    return path


def body_size(response) -> int:
    """The size of a response's body; 0 when the page dropped it (a tile of a zoom left
    before it arrived is aborted by the renderer)."""
    try:
        return len(response.body())
    except PlaywrightError:
        return 0


def basemap_drawn(view: OfflinePage, *, streets: bool) -> dict:
    """Wait for the basemap, then assert it really drew: tiles answered with data, land and
    features on the canvases, division names among the labels; nothing left 127.0.0.1 and
    nothing failed. Returns what was drawn."""
    try:
        view.page.wait_for_function(DRAWN, timeout=60_000)
    except PlaywrightTimeout:
        pytest.fail(f"the basemap did not draw: errors {[e[:200] for e in view.errors[:3]]}, "
                    f"blocked {view.blocked[:3]}, "
                    f"tiles {[(r.url, r.status) for r in view.watched][:3]}")
    view.page.wait_for_load_state("networkidle")
    view.page.wait_for_timeout(300)  # labels are drawn a moment after their tiles
    seen = view.page.evaluate(PIXELS)
    tiles = [(r.url, r.status, body_size(r)) for r in view.watched
             if "/tiles/basemap/" in r.url]
    assert tiles and all(status in (200, 204) for _, status, _ in tiles), tiles  # 204: empty
    assert sum(size for _, status, size in tiles if status == 200) > 1_000, tiles  # real data
    drawn = seen["drawn"]
    assert seen["tiles"] >= 1 and seen["land"] > 1_000, seen
    assert seen["ink"] > 0.01 * (seen["land"] + seen["ink"]), seen  # outlines, streets …
    assert seen["labels"] > 100, seen  # label pixels on the canvas
    names = set(drawn["labels"])
    assert any(n.endswith(DIVISION_SUFFIXES) for n in names), names
    assert all("\\u" not in n and n.strip() for n in names)
    if streets:
        assert drawn["features"].get("streets", 0) > 50, drawn["features"]
    assert view.blocked == [], view.blocked
    assert view.errors == [], view.errors
    assert basemap.OSM_NOTICE in view.page.inner_text(".leaflet-control-attribution")
    return drawn


def base_layers(view: OfflinePage) -> dict[str, bool]:
    """The layer control's base layers: name -> chosen."""
    return view.page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll(".leaflet-control-layers-base label")].map(
            (l) => [l.innerText.trim(), l.querySelector("input").checked]))""")


@pytest.fixture(scope="module")
def refs(server, admin) -> dict:
    """A road of the sample data (Nanjing), to map."""
    roads = httpx.get(f"{server}/roads", params={"q": "三条巷"}, headers=admin,
                      timeout=30).json()
    return {"road": roads["features"][0]["id"]}


# name, path, whether the area has streets in the sample data
MAPS = [
    ("coverage-wuhan", "/maps/coverage?division=420103", True),
    ("indicators-wuhan", "/maps/indicators?division=420100", True),
    ("suggestions-wuhan", "/maps/suggestions?division=420103&k=2", True),
    ("divisions-wuhan", "/maps/divisions?division=420102", True),
    ("names-wuhan", f"/maps/names?q={quote('江汉')}", True),
    ("indicators-zhuzhou", "/maps/indicators?division=430200", False),
    ("boundary-zhuzhou", f"/maps/boundary/{quote('株衡线')}", False),
    ("road-nanjing", "/maps/roads/{road}", False),
]


@pytest.mark.parametrize(("name", "path", "streets"), MAPS, ids=[m[0] for m in MAPS])
def test_every_served_map_draws_the_basemap_offline(browser, server, admin, refs, name, path,
                                                    streets):
    view = OfflinePage(browser, headers=admin)
    try:
        response = view.page.goto(server + path.format(**refs))
        assert response.status == 200
        basemap_drawn(view, streets=streets)
        # Nothing online unless configured (a map of a single base layer has no control).
        assert base_layers(view) in ({basemap.NAME: True}, {})
        shot(view, name)
    finally:
        view.close()


def test_public_page_map_draws_the_basemap_offline(browser, server):
    view = OfflinePage(browser, viewport=(900, 900))
    try:
        view.page.goto(f"{server}/?q={quote('江汉区')}")
        view.page.click("li.hit")
        drawn = basemap_drawn(view, streets=True)
        assert "江汉区" in drawn["labels"] or any(n.endswith("街道") for n in drawn["labels"])
        view.page.locator("#detail").scroll_into_view_if_needed()
        shot(view, "public-page")
    finally:
        view.close()


def test_online_layers_are_switchable_only_when_configured(browser, db_url, sample, admin):
    with served(db_url, CIVGEO_TIANDITU_KEY="not-a-real-key", CIVGEO_OSM_ONLINE="1") as url:
        view = OfflinePage(browser, headers=admin)
        try:
            view.page.goto(f"{url}/maps/coverage?division=420103")
            basemap_drawn(view, streets=True)  # still the default, and nothing went out
            assert base_layers(view) == {basemap.NAME: True, basemap.TIANDITU: False,
                                         basemap.OSM_ONLINE: False}
            view.page.get_by_text(basemap.TIANDITU).click()
            view.page.wait_for_timeout(500)
            assert any("tianditu.gov.cn" in u for u in view.blocked)  # it is wired, and refused
        finally:
            view.close()


def test_map_written_by_the_cli_draws_from_the_running_service(browser, server, db_url,
                                                               tmp_path, monkeypatch):
    monkeypatch.setenv("CIVGEO_PUBLIC_URL", server)
    done = civgeo(db_url, "map", "coverage", "420103", "--only", "coverage",
                  "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    page = tmp_path / "coverage-420103.html"
    assert f"{server}/tiles/basemap/" in page.read_text("utf-8")
    view = OfflinePage(browser)
    try:
        view.page.goto(page.as_uri())
        basemap_drawn(view, streets=True)
        shot(view, "cli-coverage-wuhan")
    finally:
        view.close()


def test_ogc_items_page_draws_the_basemap_offline(browser, server):
    view = OfflinePage(browser, viewport=(1100, 900))
    try:
        view.page.goto(f"{server}/ogc/collections/facilities/items?f=html&limit=50&under=420103")
        drawn = basemap_drawn(view, streets=True)
        assert any(n.endswith("街道") or n.endswith("区") for n in drawn["labels"])
        assert view.page.locator("table tr").count() == 51
        shot(view, "ogc-items")
    finally:
        view.close()
