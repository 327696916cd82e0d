"""Vector tiles (issue 13's targets: z14 tiles over central Wuhan, warm ≤ 2 ms p50
in-process; cold at least on par with one hand-written ``ST_AsMVT`` query).

For the streets layer (``network_edges``) and the basemap, over a 5 × 5 block of z14 tiles
around Jianghan Road: cold (cache emptied first: draw + store in one statement), warm (from
the cache: one indexed lookup with the invalidation check), both through the domain
function and through the ASGI app in-process, and the baseline: a plain ``ST_AsMVT`` query
by hand for the same tiles, nothing cached.
"""

from __future__ import annotations

import statistics
import time
import warnings

from geo import tiles
from geo.db import connect, fetch_value, transaction

JIANGHAN = (114.2838, 30.5802)

HAND = """
SELECT ST_AsMVT(q, 'network_edges', 4096, 'geom') FROM (
  SELECT id, highway, name,
         ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s)) AS geom
    FROM network_edges
   WHERE geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4490)) q"""


def _tiles(z: int = 14, n: int = 5) -> list[tuple[int, int, int]]:
    cx, cy = tiles.tile_at(*JIANGHAN, z)
    return [(z, cx + dx, cy + dy) for dx in range(-(n // 2), n // 2 + 1)
            for dy in range(-(n // 2), n // 2 + 1)]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ms"


def _each(block, fn, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for t in block:
            start = time.perf_counter()
            fn(t)
            times.append(time.perf_counter() - start)
    return times


def _domain(conn, layer: str, block) -> tuple[list[float], list[float]]:
    def fetch(t):
        with transaction(conn):
            return tiles.get_tile(conn, layer, *t)

    cold = []
    for _ in range(3):
        with transaction(conn):
            tiles.flush(conn, [layer])
        cold += _each(block, fetch, 1)
    warm = _each(block, fetch, 8)
    return cold, warm


def _asgi(url: str, layer: str, block) -> tuple[list[float], list[float]]:
    warnings.filterwarnings("ignore", message="Using `httpx`")
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    conn = connect(url)
    with TestClient(create_app(Settings(database_url=url, pool_max=2))) as client:
        def fetch(t):
            assert client.get(f"/tiles/{layer}/{t[0]}/{t[1]}/{t[2]}.mvt").status_code == 200

        cold = []
        for _ in range(3):
            with transaction(conn):
                tiles.flush(conn, [layer])
            cold += _each(block, fetch, 1)
        warm = _each(block, fetch, 8)
    conn.close()
    return cold, warm


def run(url: str) -> None:
    conn = connect(url)
    block = _tiles()
    hand = _each(block, lambda t: fetch_value(conn, HAND, dict(zip("zxy", t, strict=True))), 3)
    conn.rollback()
    size = statistics.median(len(tiles.render(conn, tiles.LAYERS["network_edges"], *t))
                             for t in block)
    print(f"tiles  z14 over central Wuhan, {len(block)} tiles (median {size / 1024:.0f} KB "
          f"of streets): hand-written ST_AsMVT {_ms(hand)} per tile (baseline, uncached)")
    for layer in ("network_edges", "basemap"):
        cold, warm = _domain(conn, layer, block)
        acold, awarm = _asgi(url, layer, block)
        print(f"tiles  {layer:<13} domain: cold {_ms(cold)} "
              f"({statistics.median(hand) / statistics.median(cold):.2f}× the hand query's "
              f"speed), warm {_ms(warm)} (p95 "
              f"{sorted(warm)[int(len(warm) * 0.95)] * 1000:.2f} ms); "
              f"ASGI in-process: cold {_ms(acold)}, warm {_ms(awarm)}")
    with transaction(conn):
        tiles.flush(conn)
    conn.close()
