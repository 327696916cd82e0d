"""Maps that open fast (issue 18, goal 4): the district coverage map of 江汉区 (420103) and
the overview of 株洲 (430200) load and draw in headless Chromium in under 1 s each.

Each map is drawn twice from the same domain result: by the map code of the baseline
revision (``BASELINE``, before the pages were made light: taken with ``git archive`` and
run in a subprocess) and by today's. Both pages are opened in the system Chromium
(Playwright), offline, with the same local assets; so is the baseline page: an empty map
with the same assets (Leaflet, the plugins, the marker clusters). Printed per map: the
size before and after, the median of the page's own load event (``loadEventEnd``) and of
the first frame drawn after it, over interleaved loads, and the ratio to the empty page.

Faster must not mean different: the features and markers of every overlay (by its name in
the layer control) are counted in the browser on the old and the new page, and the run
fails when a count differs, or when the new page logs a console error.

Run alone on the development database: ``python -m tests.benchmarks.maps [loads]``.
"""

from __future__ import annotations

import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from geo import datasets
from geo.coverage import circle
from geo.db import connect
from maps.assets import copy_beside
from maps.base import MapSettings, base_map, clustered
from maps.coverage import coverage_map
from maps.overview import overview_map
from tests.browser import chromium_browser

# The last revision whose maps were drawn the old way (one script block per marker, full
# precision coordinates with bounding boxes, every column of a layer sent).
BASELINE = "462dcc3f70b9458ed4739d5ed20fccee735b9448"
REPO = Path(__file__).resolve().parents[2]
DISTRICT, CITY = "420103", "430200"
# The data layers are measured: no base layer (its tiles come after the load event anyway).
SETTINGS = MapSettings(basemap="none", assets_url="vendor")

_OLD = """
import pickle, sys
sys.path.insert(0, sys.argv[1])
import maps
assert maps.__file__.startswith(sys.argv[1]), maps.__file__
from maps.base import MapSettings
from maps.coverage import coverage_map
from maps.overview import overview_map
found, view, out = pickle.load(sys.stdin.buffer)
settings = MapSettings(basemap="none", assets_url="vendor")
coverage_map(found, settings=settings).save(out + "/coverage-old.html")
overview_map(view, settings=settings).save(out + "/overview-old.html")
"""

# Per overlay of the layer control (folium's global ``layer_control_…_layers``), shown or
# not: how many features or markers it holds.
_COUNTS = """() => {
  const control = Object.keys(window).filter(k => /^layer_control_.*_layers$/.test(k))
                        .map(k => window[k]).find(v => v && v.overlays);
  const count = layer => layer.getLayers ? layer.getLayers().reduce(
      (n, child) => n + (child instanceof L.LayerGroup && !(child instanceof L.GeoJSON)
                         ? count(child) : 1), 0) : 1;
  const out = {};
  for (const [name, layer] of Object.entries(control.overlays)) out[name] = count(layer);
  return out;
}"""

# Milliseconds from navigation to the load event, and to the first frame drawn after it.
_TIMES = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>
  done([performance.getEntriesByType('navigation')[0].loadEventEnd, performance.now()]))))"""


def _old_pages(found, view, out: Path) -> None:
    """The two maps drawn by the baseline revision's ``maps`` package."""
    old = out / "baseline-src"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE, "maps"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(f"maps benchmark: cannot read revision {BASELINE[:10]} "
                         f"(a full clone is needed): {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-c", _OLD, str(old)], cwd=REPO, check=True,
                   input=pickle.dumps((found, view, str(out))))


def _pages(url: str, out: Path) -> dict[str, Path]:
    conn = connect(url)
    try:
        found = circle.circle_map(conn, DISTRICT)
        view = datasets.overview(conn, CITY)
    finally:
        conn.close()
    copy_beside(out)
    _old_pages(found, view, out)
    coverage_map(found, settings=SETTINGS).save(str(out / "coverage-new.html"))
    overview_map(view, settings=SETTINGS).save(str(out / "overview-new.html"))
    empty = base_map(tuple(found.frame.total_bounds), SETTINGS)
    clustered("clusters", SETTINGS).add_to(empty)    # the same scripts as a coverage map
    empty.save(str(out / "empty.html"))
    return {name: out / f"{name}.html" for name in
            ("empty", "coverage-old", "coverage-new", "overview-old", "overview-new")}


def _open(browser, page_path: Path) -> tuple[float, float, dict[str, int], list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route("http*://**/*", lambda route: route.abort())   # offline
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        load, drawn = page.evaluate(_TIMES)
        counts = page.evaluate(_COUNTS) if page_path.stem != "empty" else {}
    finally:
        context.close()
    return load, drawn, counts, errors


def run(url: str, loads: int = 9) -> None:
    with tempfile.TemporaryDirectory(prefix="civgeo-maps-bench-") as tmp:
        pages = _pages(url, Path(tmp))
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
        counts: dict[str, dict[str, int]] = {}
        with chromium_browser() as browser:
            for path in pages.values():   # a first load of each warms the disk cache
                _open(browser, path)
            for _ in range(loads):              # interleaved: the machine's noise is shared
                for name, path in pages.items():
                    load, drawn, layers, errors = _open(browser, path)
                    if errors and name.endswith("new"):
                        raise SystemExit(f"maps benchmark: {name} logged errors: {errors[:3]}")
                    times[name].append((load, drawn))
                    counts[name] = layers
        sizes = {name: path.stat().st_size for name, path in pages.items()}
    _report(times, counts, sizes, loads)


def _median(values: list[tuple[float, float]], i: int) -> float:
    return statistics.median(v[i] for v in values)


def _report(times, counts, sizes, loads: int) -> None:
    base_load, base_drawn = _median(times["empty"], 0), _median(times["empty"], 1)
    print(f"maps  headless Chromium, offline, median of {loads} interleaved loads; baseline: an "
          f"empty map with the same assets, load {base_load:.0f} ms, drawn {base_drawn:.0f} ms")
    failed = []
    for label, key in (("coverage 江汉区 420103", "coverage"),
                       ("overview 株洲 430200", "overview")):
        old, new = f"{key}-old", f"{key}-new"
        same = counts[old] == counts[new]
        if not same:
            failed.append(f"{key}: old {counts[old]} new {counts[new]}")
        for which, name in (("before", old), ("after ", new)):
            load, drawn = _median(times[name], 0), _median(times[name], 1)
            print(f"maps  {label} {which}: {sizes[name] / 1024:,.0f} KB, load {load:.0f} ms "
                  f"({load / base_load:.2f}× the empty map), drawn {drawn:.0f} ms "
                  f"({drawn / base_drawn:.2f}×)")
        print(f"maps  {label}: {sizes[old] / sizes[new]:.1f}× smaller; features and markers by "
              f"layer the same on both pages: {same} "
              f"({', '.join(f'{k} {v}' for k, v in counts[new].items())})")
    if failed:
        raise SystemExit("maps benchmark: the new pages show other features: " + "; ".join(failed))


if __name__ == "__main__":
    from geo.localdb import database_url

    run(database_url(), int(sys.argv[1]) if len(sys.argv) > 1 else 9)
