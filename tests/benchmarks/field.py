"""Field app benchmarks: what a phone's sync costs through the whole app stack (TestClient,
the sample database), against ``GET /health`` measured in the same run.

- ``GET /field/data``: what the phone keeps for offline work (an inspector of 荷塘区's team:
  荷芦线 with its markers and the gap-aware patrolled share), its time and size.
- A queue of marker checks sent once (new records) and again (every answer lost, so the
  same UUIDs and content come back): the second pass must be no dearer than the first.
- A 2.5 MB photo in 256 KB parts through ``PUT /attachments/{uuid}``.
- A day's patrol (8 h, a fix every 5 s: 5,760 fixes in 4 segments) uploaded as the app
  sends it, with the gap-aware share of the inspection computed in the answer.

Run alone with ``python -c "from tests.benchmarks import field; field.run(URL)"``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import statistics
import uuid
import warnings
from datetime import UTC, datetime

import numpy as np

from geo.db import connect, fetch_all, transaction
from tests.benchmarks import timed
from tests.factories import TEST_ACTOR, add_user

CHECKS = 100
PHOTO_BYTES = 2_500_000
CHUNK = 262_144


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def _inspector(url: str) -> tuple[str, int, list[dict], dict]:
    """A bench inspector in 荷塘区's team, its inspection of 荷芦线, markers and line."""
    from geo.boundaries import inspections, lines

    conn = connect(url)
    try:
        with transaction(conn):
            name = f"bench-{uuid.uuid4().hex[:8]}"
            token = add_user(conn, "inspector", name)
            inspections.join_team(conn, TEST_ACTOR, "荷塘区联检工作组", name)
            line = lines.get_line(conn, "荷芦线")
            ins = inspections.create(conn, TEST_ACTOR, line["id"], 2026, kind="ad_hoc",
                                     reason="benchmark", lead_code=line["left_code"],
                                     lead_team="荷塘区联检工作组",
                                     support_team="芦淞区联检工作组")
        markers = fetch_all(conn, "SELECT marker_no, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                                  "FROM boundary_markers WHERE line_id = %s", (line["id"],))
    finally:
        conn.close()
    return token, ins["id"], markers, line


def _day_track(conn, line_id: int) -> dict:
    """8 hours along 荷芦线 at walking pace, a fix every 5 s, in 4 recorded segments."""
    n = 8 * 3600 // 5
    rows = fetch_all(conn, "SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT "
                           "ST_LineInterpolatePoint(ST_LineMerge(geom), f) AS p FROM "
                           "boundary_lines, generate_series(0, %s - 1) i, "
                           "LATERAL (SELECT (i::float8 / %s) * 0.95) s(f) WHERE id = %s) q",
                     (n, n, line_id))
    t0 = datetime(2026, 10, 12, 0, 0, tzinfo=UTC).timestamp()
    parts = np.array_split(np.arange(n), 4)
    coords, times, gaps = [], [], []
    for k, idx in enumerate(parts):
        shift = k * 600                                      # 10 min with no fix between parts
        coords.append([[rows[i]["lon"], rows[i]["lat"]] for i in idx])
        times.append([_iso(t0 + i * 5 + shift) for i in idx])
        if k:
            gaps.append({"start": _iso(t0 + (idx[0] - 1) * 5 + shift - 600),
                         "end": times[-1][0], "cause": "screen_off"})
    return {"format": "geojson", "data": {
        "type": "Feature", "properties": {"coordTimes": times},
        "geometry": {"type": "MultiLineString", "coordinates": coords}}}, gaps


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def run(url: str) -> None:
    warnings.filterwarnings("ignore", message="Using `httpx`")
    logging.getLogger("httpx").setLevel(logging.WARNING)     # one line per request otherwise
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    token, ins_id, markers, line = _inspector(url)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(Settings(database_url=url))) as client:
        client.get("/health")
        health = timed(lambda: client.get("/health"), 50)
        data = client.get("/field/data", headers=auth)
        bundle = timed(lambda: client.get("/field/data", headers=auth), 20)
        print(f"field GET /field/data (荷芦线, {len(markers)} markers): median {ms(bundle)}, "
              f"{len(data.content) / 1024:,.0f} KB; GET /health {ms(health)} "
              f"({statistics.median(bundle) / statistics.median(health):.1f}× /health)")

        checks = [{"uuid": str(uuid.uuid4()), "marker": m["marker_no"], "condition": "intact",
                   "lon": m["lon"], "lat": m["lat"], "accuracy_m": 4.0,
                   "checked_at": "2026-10-12T10:00:00+08:00"}
                  for m in (markers * (CHECKS // len(markers) + 1))[:CHECKS]]
        path = f"/inspections/{ins_id}/marker-checks"
        first = [timed(lambda c=c: client.post(path, json=c, headers=auth), 1)[0]
                 for c in checks]
        again = [timed(lambda c=c: client.post(path, json=c, headers=auth), 1)[0]
                 for c in checks]
        print(f"field sync {CHECKS} marker checks: new median {ms(first)}, sent again "
              f"(duplicate, nothing written) {ms(again)} "
              f"({statistics.median(again) / statistics.median(first):.2f}× new)")

        blob = os.urandom(PHOTO_BYTES - 3)
        blob = b"\xff\xd8\xff" + blob
        photo = {"uuid": str(uuid.uuid4()), "sha256": hashlib.sha256(blob).hexdigest(),
                 "size": len(blob), "media_type": "image/jpeg"}
        client.post(f"/inspections/{ins_id}/hazards", headers=auth, json={
            "uuid": str(uuid.uuid4()), "kind": "other", "description": "benchmark",
            "lon": markers[0]["lon"], "lat": markers[0]["lat"],
            "reported_at": "2026-10-12T10:00:00+08:00", "photos": [photo]})

        def upload() -> None:
            for start in range(0, len(blob), CHUNK):
                part = blob[start:start + CHUNK]
                client.put(f"/attachments/{photo['uuid']}", content=part, headers={
                    **auth, "Content-Type": "image/jpeg",
                    "Content-Range": f"bytes {start}-{start + len(part) - 1}/{len(blob)}"})

        took = timed(upload, 1)[0]
        print(f"field photo {PHOTO_BYTES / 1e6:.1f} MB in {-(-PHOTO_BYTES // CHUNK)} parts of "
              f"256 KB: {took * 1000:.0f} ms ({PHOTO_BYTES / 1e6 / took:.1f} MB/s)")

        conn = connect(url)
        try:
            track, gaps = _day_track(conn, line["id"])
        finally:
            conn.close()
        record = {"uuid": str(uuid.uuid4()), "members": ["甲", "乙"], "track": track,
                  "gaps": gaps}
        answer = {}

        def patrol() -> None:
            answer["r"] = client.post(f"/inspections/{ins_id}/patrols", json=record,
                                      headers=auth)

        took = timed(patrol, 1)[0]
        body = answer["r"].json()
        print(f"field a day's patrol (5,760 fixes, 4 segments) uploaded and measured: "
              f"{took * 1000:.0f} ms; share {body['inspection_patrolled']['share']:.1%} with "
              f"{len(body['patrolled']['gaps'])} gaps")
