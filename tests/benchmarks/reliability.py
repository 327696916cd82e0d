"""What the input boundary and Idempotency-Key cost, and how fast an oversized body is
refused (``make bench``; also ``python -m tests.benchmarks.reliability URL``).

1. A 50 MB body declared by its Content-Length: time to the 413, against a ``GET /health``
   on a fresh connection in the same run (both over a raw socket to uvicorn).
2. The JSON checks of ``api.boundary`` on a 1 MB GeoJSON import (parse, depth, strings):
   against ``json.loads`` of the same bytes, which the route does anyway.
3. ``POST /facilities`` with and without an ``Idempotency-Key`` (the key costs a lock, a
   lookup and an insert in the request's transaction).
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import uuid

import httpx

from api.boundary import check_json
from geo.db import connect, transaction
from tests.benchmarks import timed
from tests.factories import add_user
from tests.serving import served


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _raw(host: str, port: int, head: bytes) -> None:
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(head)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 "), answer[:40]


def bench_refusal(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    big = (b"POST /facilities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n{" % (50 * 1024 * 1024))
    health = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    t_big = timed(lambda: _raw(host, int(port), big), 30)
    t_health = timed(lambda: _raw(host, int(port), health), 30)
    print(f"reliability  50 MB body → 413: median {_ms(t_big):.2f} ms (only its headers "
          f"sent); GET /health on a new connection {_ms(t_health):.2f} ms "
          f"→ {_ms(t_big) / _ms(t_health):.2f}× the cost of the cheapest request")


def bench_json_checks() -> None:
    features = [{"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates": [
        114.2 + i * 1e-5, 30.5]}, "properties": {"type": "day_care", "name": f"照料中心{i}",
                                                  "beds": 20, "notes": "社区日间照料"}}
                for i in range(6_000)]
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    t_checks = timed(lambda: check_json(body), 15)
    t_loads = timed(lambda: json.loads(body), 15)
    print(f"reliability  JSON checks on a {len(body) / 1e6:.1f} MB import: median "
          f"{_ms(t_checks):.1f} ms, json.loads alone {_ms(t_loads):.1f} ms "
          f"→ {_ms(t_checks) / _ms(t_loads):.1f}× a parse")


def bench_idempotency(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    site = {"type": "day_care", "lon": 114.2838, "lat": 30.5802}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        def post(key: bool) -> None:
            extra = {"Idempotency-Key": str(uuid.uuid4())} if key else {}
            r = client.post("/facilities", json={**site, "name": f"基准{uuid.uuid4().hex[:8]}"},
                            headers=extra)
            assert r.status_code == 201, r.text
        post(False)
        plain = timed(lambda: post(False), 60)
        keyed = timed(lambda: post(True), 60)
    print(f"reliability  POST /facilities: median {_ms(plain):.1f} ms without a key, "
          f"{_ms(keyed):.1f} ms with an Idempotency-Key → {_ms(keyed) / _ms(plain):.2f}×")


def run(url: str) -> None:
    """The three figures, on the database at ``url`` (the sample loaded)."""
    conn = connect(url)
    with transaction(conn):
        token = add_user(conn, "planner", f"bench-{uuid.uuid4().hex[:6]}")
    conn.close()
    bench_json_checks()
    with served(url) as base:
        bench_refusal(base)
        bench_idempotency(base, token)


if __name__ == "__main__":
    run(sys.argv[1])
