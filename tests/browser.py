"""Maps opened in a real headless Chromium with no network (DESIGN §7): the DOM after the
scripts ran, and the layer control's entries."""

from __future__ import annotations

import re
import subprocess
import uuid

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
