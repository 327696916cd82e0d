"""Browser assets served locally, so maps and API docs work with no internet (DESIGN §5).

folium's defaults load Leaflet, jQuery, Bootstrap and the marker plugins from public
CDNs, and FastAPI's /docs loads Swagger UI from one; on an intranet those pages stay
blank. ``fetch_assets`` takes the same files from the npm registry (``npm pack``) into
``.civgeo/assets``, with protomaps-leaflet, which draws civgeo's own basemap
(``maps.basemap``), and Leaflet.markercluster, which gathers facility markers at low zoom;
the API serves them under ``/static/vendor`` and exported maps get
a copy beside them.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from geo.errors import SetupError
from geo.localdb import home

# npm package -> files (under the tarball's package/ folder) to keep; '/' ends a folder.
PACKAGES: dict[str, tuple[str, ...]] = {
    "leaflet@1.9.4": ("dist/leaflet.js", "dist/leaflet.css", "dist/images/"),
    "jquery@3.7.1": ("dist/jquery.min.js",),
    "bootstrap@5.2.2": ("dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"),
    "leaflet.awesome-markers@2.0.5": ("dist/leaflet.awesome-markers.js",
                                      "dist/leaflet.awesome-markers.css", "dist/images/"),
    "@fortawesome/fontawesome-free@6.2.0": ("css/all.min.css", "webfonts/"),
    "swagger-ui-dist@5.17.14": ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"),
    # civgeo's own basemap: vector tiles drawn and labelled on a 2D canvas (maps/basemap.py)
    "protomaps-leaflet@5.1.0": ("dist/protomaps-leaflet.js", "LICENSE"),
    # drawing a place's point, line or polygon on the names officer's desk
    "@geoman-io/leaflet-geoman-free@2.20.2": ("dist/leaflet-geoman.js", "dist/leaflet-geoman.css",
                                              "LICENSE"),
    # the field app's offline queue in IndexedDB (api/field/)
    "idb@8.0.3": ("build/umd.js", "LICENSE"),
    # facility markers gathered into clusters at low zoom (maps.base.clustered)
    "leaflet.markercluster@1.5.3": ("dist/leaflet.markercluster.js", "dist/MarkerCluster.css",
                                    "dist/MarkerCluster.Default.css", "MIT-LICENCE.txt"),
}


def assets_dir() -> Path:
    """Where the fetched assets live (``CIVGEO_ASSETS`` or ``.civgeo/assets``)."""
    return Path(os.environ.get("CIVGEO_ASSETS") or home() / "assets")


def folder(spec: str) -> str:
    """The folder name of an npm package spec: 'leaflet@1.9.4' -> 'leaflet'."""
    return spec.rsplit("@", 1)[0].replace("@", "").replace("/", "-")


def missing() -> list[str]:
    """Package specs whose files are not all present."""
    root = assets_dir()
    return [spec for spec, files in PACKAGES.items()
            if not all((root / folder(spec) / f).exists() for f in files)]


def fetch_assets() -> list[str]:
    """Fetch whatever is missing; return the specs fetched."""
    todo = missing()
    for spec in todo:
        _fetch(spec, PACKAGES[spec], assets_dir() / folder(spec))
    return todo


def _fetch(spec: str, files: tuple[str, ...], dest: Path) -> None:
    try:
        proc = subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(_tmp()),
                               spec], capture_output=True, text=True)
    except FileNotFoundError:
        raise SetupError("npm is not installed: run `make deps`") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SetupError(f"npm could not fetch {spec}: {tail[0]} (is npm installed? `make deps`)")
    tgz = _tmp() / proc.stdout.strip().splitlines()[-1]
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if member.isfile() and any(rel == f or (f.endswith("/") and rel.startswith(f))
                                       for f in files):
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    tgz.unlink()


def _tmp() -> Path:
    path = home() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_beside(html_dir: Path, name: str = "vendor") -> Path:
    """Copy the assets into ``html_dir/name`` for exported maps; return that folder."""
    if todo := missing():
        raise SetupError(f"map assets missing ({', '.join(todo)}): run `civgeo assets fetch`")
    target = html_dir / name
    for package in sorted(assets_dir().iterdir()):   # a folder from before gets new packages
        if package.is_dir() and not (target / package.name).exists():
            shutil.copytree(package, target / package.name)
    return target



_SCRIPT = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((?P<q>['\"]?)(?P<ref>[^)'\"]+)(?P=q)\)")
_MEDIA = {".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2",
          ".woff": "font/woff", ".ttf": "font/ttf", ".gif": "image/gif"}


def inline_assets(html: str, base: str = "/static/vendor") -> str:
    """``html`` with every asset it loads from ``base`` written into it: scripts and
    stylesheets inline, the images and fonts the stylesheets refer to as data URIs. The
    result is one file that opens anywhere, with no server and no internet (a map saved
    from the browser used to come out blank). Fonts other than WOFF2 are left out: every
    browser that runs these scripts reads WOFF2."""
    if todo := missing():
        raise SetupError(f"map assets missing ({', '.join(todo)}): run `civgeo assets fetch`")
    root = assets_dir()

    def local(url: str) -> Path | None:
        if not url.startswith(base + "/"):
            return None
        path = (root / url[len(base) + 1:]).resolve()
        return path if path.is_file() and root.resolve() in path.parents else None

    def script(match: re.Match) -> str:
        path = local(match["url"])
        if path is None:
            return match[0]
        return "<script>" + path.read_text("utf-8").replace("</script", "<\\/script") + \
            "</script>"

    def stylesheet(match: re.Match) -> str:
        path = local(match["url"])
        if path is None:
            return match[0]
        css = _CSS_URL.sub(lambda m: _data_uri(path.parent, m), path.read_text("utf-8"))
        return "<style>" + css.replace("</style", "<\\/style") + "</style>"

    return _STYLESHEET.sub(stylesheet, _SCRIPT.sub(script, html))


def _data_uri(folder_: Path, match: re.Match) -> str:
    ref = match["ref"].split("#")[0].split("?")[0]
    if ref.startswith("data:"):
        return match[0]
    path = (folder_ / ref).resolve()
    media = _MEDIA.get(path.suffix)
    if media is None or not path.is_file():
        return match[0]
    if path.suffix in (".ttf", ".woff"):
        return "url(data:,)"    # WOFF2 is given beside it
    return f"url(data:{media};base64,{base64.b64encode(path.read_bytes()).decode()})"
