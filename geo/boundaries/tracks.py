"""Patrol tracks from the field (巡线轨迹): read GPX or GeoJSON, clean out GPS noise, measure
how much of a boundary line a patrol came near, and convert tracks to and from PostGIS
``geometry(LineStringM, 4490)`` with epoch seconds as M. Pure functions, no database.

Reading rules (every refusal is ``InvalidInput`` with ``field="track"``):

- GPX: every ``trk``/``trkseg``/``trkpt`` in file order, segments and tracks joined into one
  track; only when there are no track points, the route points (``rte``), else the
  waypoints (``wpt``). A time without a zone is UTC, as the GPX schema says.
- GeoJSON: a ``LineString`` or ``MultiLineString`` geometry, Feature, or FeatureCollection
  (its line features joined in order; when it has no lines, its ``Point`` features in
  order, with ``properties.time`` or ``properties.timestamp``). Times come from
  ``properties.coordTimes`` or ``properties.times`` (one entry per position, nested per
  line for a MultiLineString, as togeojson writes; ISO 8601 strings or epoch numbers), and
  only when neither is present from a 4th coordinate ``[lon, lat, ele, time]``. A third
  coordinate is always elevation (RFC 7946), never time. Epoch numbers above 1e11 are read
  as milliseconds (1e11 seconds is the year 5138).
- Times may repeat but never go backwards; either every point has a time or none has.
- Points are numbered from 1 in messages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import gpxpy
import gpxpy.gpx
import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString

from geo.boundaries.settings import defaults
from geo.coverage.graph import local_projection, project
from geo.errors import InvalidInput

FORMATS = ("gpx", "geojson")
JUMP_WITHOUT_TIMES_M = 500.0   # a lone fix this far from both neighbours is a spike
_FMT_ALIASES = {"gpx": "gpx", "application/gpx+xml": "gpx", "geojson": "geojson",
                "json": "geojson", "application/geo+json": "geojson",
                "application/json": "geojson"}
_MS_EPOCH = 1e11
_GEOD = pyproj.Geod(ellps="GRS80")


@dataclass
class Track:
    """One patrol: positions in CGCS2000 lon/lat, times in epoch seconds (or None)."""

    lon: np.ndarray
    lat: np.ndarray
    t: np.ndarray | None
    source_format: str
    name: str | None = None

    def __len__(self) -> int:
        return len(self.lon)

    def take(self, index: np.ndarray) -> Track:
        """A new track of the points at ``index`` (a mask or indices); arrays are copied."""
        t = None if self.t is None else self.t[index]
        return Track(self.lon[index], self.lat[index], t, self.source_format, self.name)


def _bad(reason: str) -> InvalidInput:
    return InvalidInput(reason, field="track")


# ------------------------------------------------------------------ parsing

def parse(data: bytes, fmt: str | None = None, filename: str | None = None) -> Track:
    """Read a GPX or GeoJSON track; ``fmt``, else the file suffix, else the content decides."""
    if isinstance(data, str):
        data = data.encode()
    if not data or not data.strip():
        raise _bad("the track file is empty")
    kind = _detect(data, fmt, filename)
    track = _parse_gpx(data) if kind == "gpx" else _parse_geojson(data)
    _check(track)
    return track


def _detect(data: bytes, fmt: str | None, filename: str | None) -> str:
    if fmt:
        kind = _FMT_ALIASES.get(fmt.strip().lower())
        if kind is None:
            raise _bad(f"unknown track format {fmt!r}: expected one of {', '.join(FORMATS)}")
        return kind
    suffix = filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if suffix in ("gpx", "geojson", "json"):
        return _FMT_ALIASES[suffix]
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "geojson"
    if head.startswith(b"<"):
        if re.search(rb"<(\w+:)?gpx[\s>]", head):
            return "gpx"
        root = re.search(rb"<([A-Za-z][\w:.-]*)", re.sub(rb"<[?!][^>]*>", b"", head))
        what = f"XML with root <{root.group(1).decode()}>" if root else "XML"
        raise _bad(f"unknown track format: {what} is not GPX; send GPX or GeoJSON")
    raise _bad("unknown track format: the content is neither GPX (XML) nor GeoJSON; "
               "send GPX or GeoJSON")


def _check(track: Track) -> None:
    n = len(track)
    if n == 0:
        raise _bad(f"the {track.source_format.upper()} file holds no points")
    if n == 1:
        raise _bad("the track has a single point; a patrol needs at least two")
    limit = defaults()["track_max_points"]
    if n > limit:
        raise _bad(f"the track has {n:,} points, more than the limit of {limit:,}")
    bad = ~(np.isfinite(track.lon) & np.isfinite(track.lat)
            & (np.abs(track.lon) <= 180) & (np.abs(track.lat) <= 90))
    if bad.any():
        i = int(np.argmax(bad))
        raise _bad(f"coordinates out of range at point {i + 1}: lon {track.lon[i]}, "
                   f"lat {track.lat[i]} (need |lon| ≤ 180 and |lat| ≤ 90)")
    if track.t is not None:
        back = np.diff(track.t) < 0
        if back.any():
            i = int(np.argmax(back)) + 1
            raise _bad(f"timestamps out of order: point {i + 1} at {_iso(track.t[i])} is "
                       f"earlier than point {i} at {_iso(track.t[i - 1])}")


def _times(values: list[Any], where: str) -> np.ndarray | None:
    """Epoch seconds from datetimes, ISO strings or epoch numbers; None when none has one."""
    missing = [i for i, v in enumerate(values) if v is None]
    if len(missing) == len(values):
        return None
    if missing:
        raise _bad(f"some points have times and some do not: point {missing[0] + 1} of "
                   f"{where} has no time")
    out = np.empty(len(values))
    for i, v in enumerate(values):
        out[i] = _epoch(v, i, where)
    return out


def _epoch(v: Any, i: int, where: str) -> float:
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp()
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return v / 1000.0 if abs(v) > _MS_EPOCH else float(v)
    if isinstance(v, str):
        try:
            return _epoch(datetime.fromisoformat(v.strip()), i, where)
        except ValueError:
            pass
    raise _bad(f"unreadable time {v!r} at point {i + 1} of {where}: expected ISO 8601 "
               f"(e.g. 2024-05-01T08:00:00Z) or epoch seconds")


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(float(t), UTC).isoformat().replace("+00:00", "Z")


def _decode_xml(data: bytes) -> str:
    head = data.lstrip(b"\xef\xbb\xbf")
    declared = re.match(rb"^\s*<\?xml[^>]*encoding=[\"']([\w.:-]+)[\"']", head)
    encoding = declared.group(1).decode() if declared else "utf-8"
    text = _decode(data, "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding,
                   "GPX")
    # ElementTree refuses a str that still declares a byte encoding; it is decoded now.
    return re.sub(r"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", r"\1", text, count=1)


def _decode(data: bytes, encoding: str, kind: str) -> str:
    """Text of ``data``; a character cut off at the very end is left for the parser to call
    the file truncated."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end < len(data) or exc.start == 0:
            raise _bad(f"the {kind} file is not valid {encoding} text: {exc}") from None
        return _decode(data[:exc.start], encoding, kind)
    except LookupError:
        raise _bad(f"the {kind} file declares an unknown encoding {encoding!r}") from None


def _parse_gpx(data: bytes) -> Track:
    text = _decode_xml(data)
    limit = defaults()["track_max_points"]
    rough = len(re.findall(r"<(?:\w+:)?(?:trkpt|rtept|wpt)\b", text))
    if rough > limit:   # refuse before building a Python object per point
        raise _bad(f"the track has about {rough:,} points, more than the limit of {limit:,}")
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException as exc:
        raise _bad(f"malformed or truncated GPX (XML): {_xml_reason(exc)}") from None
    except gpxpy.gpx.GPXException as exc:
        raise _bad(f"unreadable GPX: {exc}") from None
    points = [p for trk in gpx.tracks for seg in trk.segments for p in seg.points]
    name = next((trk.name for trk in gpx.tracks if trk.name), None)
    if not points:
        points = [p for rte in gpx.routes for p in rte.points]
        name = next((rte.name for rte in gpx.routes if rte.name), None)
    if not points:
        points = list(gpx.waypoints)
    lon = np.array([p.longitude for p in points], dtype=float)
    lat = np.array([p.latitude for p in points], dtype=float)
    t = _times([p.time for p in points], "the GPX file")
    return Track(lon, lat, t, "gpx", name or gpx.name)


def _xml_reason(exc: Exception) -> str:
    reason = str(exc).removeprefix("Error parsing XML: ")
    if reason.startswith(("unclosed token", "no element found")):
        reason += " (the file ends too early)"
    return reason


def _parse_geojson(data: bytes) -> Track:
    try:
        doc = json.loads(_decode(data, "utf-8-sig", "GeoJSON"))
    except json.JSONDecodeError as exc:
        cut = " (the file ends too early)" if exc.pos >= len(exc.doc.rstrip()) else ""
        raise _bad(f"malformed or truncated JSON: {exc.msg} at line {exc.lineno}, "
                   f"column {exc.colno}{cut}") from None
    if not isinstance(doc, dict):
        raise _bad("the GeoJSON is not an object (a Feature, FeatureCollection or geometry)")
    features = _features(doc)
    lines = [f for f in features if _gtype(f) in ("LineString", "MultiLineString")]
    if lines:
        parts = [_feature_points(f, k + 1) for k, f in enumerate(lines)]
    else:
        parts = [_point_feature(f, k + 1) for k, f in enumerate(features)
                 if _gtype(f) == "Point"]
    name = doc.get("name") if isinstance(doc.get("name"), str) else None
    name = next((p[3] for p in parts if p[3]), name)
    if not parts:
        return Track(np.empty(0), np.empty(0), None, "geojson", name)
    has_t = [p[2] is not None for p in parts]
    if any(has_t) and not all(has_t):
        k = has_t.index(False) + 1
        raise _bad(f"some points have times and some do not: feature {k} has no times")
    t = np.concatenate([p[2] for p in parts]) if all(has_t) else None
    return Track(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                 t, "geojson", name)


def _features(doc: dict) -> list[dict]:
    kind = doc.get("type")
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise _bad("the FeatureCollection has no 'features' list")
        return [f for f in feats if isinstance(f, dict)]
    if kind == "Feature":
        return [doc]
    if kind in ("LineString", "MultiLineString", "Point"):
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    raise _bad(f"GeoJSON of type {kind!r} holds no track: expected a LineString or "
               f"MultiLineString Feature or FeatureCollection")


def _gtype(feature: dict) -> str | None:
    geom = feature.get("geometry")
    return geom.get("type") if isinstance(geom, dict) else None


def _props(feature: dict) -> dict:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def _feature_points(feature: dict, k: int):
    """(lon, lat, t or None, name) of one line feature, its lines joined in order."""
    geom = feature["geometry"]
    coords = geom.get("coordinates")
    lines = [coords] if geom["type"] == "LineString" else coords
    if not isinstance(lines, list) or not all(isinstance(c, list) for c in lines):
        raise _bad(f"feature {k}: 'coordinates' is not a list of positions")
    flat = [pos for line in lines for pos in line]
    where = f"feature {k}"
    limit = defaults()["track_max_points"]
    if len(flat) > limit:   # refuse before checking each position
        raise _bad(f"the track has {len(flat):,} points, more than the limit of {limit:,}")
    xyz = _positions(flat, where)
    props = _props(feature)
    stamps = props.get("coordTimes", props.get("times"))
    if stamps is not None:
        if isinstance(stamps, list) and stamps and all(isinstance(s, list) for s in stamps):
            stamps = [s for line in stamps for s in line]
        if not isinstance(stamps, list) or len(stamps) != len(flat):
            got = len(stamps) if isinstance(stamps, list) else type(stamps).__name__
            raise _bad(f"{where}: coordTimes/times has {got} entries for {len(flat)} points")
        t = _times(stamps, where)
    elif xyz.shape[1] >= 4:
        t = _times([None if np.isnan(v) else float(v) for v in xyz[:, 3]], where)
    else:
        t = None
    name = props.get("name") if isinstance(props.get("name"), str) else None
    return xyz[:, 0], xyz[:, 1], t, name


def _positions(flat: list, where: str) -> np.ndarray:
    """An N×4 float array of positions (NaN where a position has fewer numbers)."""
    width = max((len(p) for p in flat if isinstance(p, list)), default=2)
    out = np.full((len(flat), max(width, 4)), np.nan)
    for i, pos in enumerate(flat):
        ok = isinstance(pos, list) and len(pos) >= 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
        if not ok:
            raise _bad(f"point {i + 1} of {where} is not a [lon, lat] position: {pos!r}")
        out[i, :len(pos)] = pos
    return out


def _point_feature(feature: dict, k: int):
    where = f"feature {k}"
    xyz = _positions([feature["geometry"].get("coordinates")], where)
    props = _props(feature)
    stamp = props.get("time", props.get("timestamp"))
    t = None if stamp is None else np.array([_epoch(stamp, 0, where)])
    return xyz[:, 0], xyz[:, 1], t, None


# ------------------------------------------------------------------ cleaning

def clean(track: Track, s: dict) -> tuple[Track, dict]:
    """Drop GPS noise from a copy of ``track``; return it with counts of what went.

    Against the last kept fix, a fix is dropped, in this order, as a jump (implied speed
    above ``track_max_speed_m_s`` and farther than ``track_min_distance_m``), by interval
    (under ``track_min_interval_s`` later) or by distance (closer than
    ``track_min_distance_m``). Without times there is no interval filter and a jump is a
    lone fix more than ``s.get("track_jump_m", 500)`` metres from both the last kept fix
    and the next fix, so a real gap in the recording does not stop the track. The first
    fix is always kept, the last one unless it is a jump.

    Returns
    -------
    (Track, dict)
        The cleaned track and ``{raw_points, kept, dropped_interval, dropped_distance,
        dropped_jumps, length_m, started_at, ended_at}``; ``length_m`` is geodesic on the
        cleaned track, times are ISO 8601 UTC strings or None.
    """
    n = len(track)
    stats = {"raw_points": n, "kept": 0, "dropped_interval": 0, "dropped_distance": 0,
             "dropped_jumps": 0, "length_m": 0.0, "started_at": None, "ended_at": None}
    if n == 0:
        return track.take(np.arange(0)), stats
    tr = local_projection(float(np.mean(track.lon)), float(np.mean(track.lat)))
    xy = project(tr, track.lon, track.lat)
    keep, why = _filter(xy, track.t, s)
    out = track.take(np.asarray(keep))
    stats.update(kept=len(keep), dropped_interval=why["interval"],
                 dropped_distance=why["distance"], dropped_jumps=why["jump"])
    if len(out) > 1:
        stats["length_m"] = float(_GEOD.line_length(out.lon, out.lat))
    if out.t is not None:
        stats["started_at"], stats["ended_at"] = _iso(out.t[0]), _iso(out.t[-1])
    return out, stats


def _filter(xy: np.ndarray, t: np.ndarray | None, s: dict) -> tuple[list[int], dict]:
    """Indices of the fixes kept, and the number dropped for each reason."""
    min_dt = float(s["track_min_interval_s"])
    min_d = float(s["track_min_distance_m"])
    vmax = float(s["track_max_speed_m_s"])
    jump_m = float(s.get("track_jump_m", JUMP_WITHOUT_TIMES_M))
    x, y = xy[:, 0].tolist(), xy[:, 1].tolist()
    tt = t.tolist() if t is not None else None
    n = len(x)
    keep, k = [0], 0
    why = {"jump": 0, "interval": 0, "distance": 0}
    for i in range(1, n):
        d = math.hypot(x[i] - x[k], y[i] - y[k])
        if tt is not None:
            dt = tt[i] - tt[k]
            jump = d > min_d and d > vmax * dt
        else:
            dt = math.inf
            jump = d > jump_m and (
                i == n - 1 or math.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) > jump_m)
        if jump:
            why["jump"] += 1
        elif i == n - 1:
            keep.append(i)
        elif dt < min_dt:
            why["interval"] += 1
        elif d < min_d:
            why["distance"] += 1
        else:
            keep.append(i)
            k = i
    return keep, why


# ------------------------------------------------------------------ patrolled share

def patrolled_share(line_wkb_or_geom, tracks: list[Track], tolerance_m: float, *,
                    step_m: float | None = None) -> dict:
    """How much of a boundary line lies within ``tolerance_m`` of any of the tracks.

    ``line_wkb_or_geom`` is a shapely LineString or MultiLineString in lon/lat, or its WKB
    (bytes, memoryview or hex). The line is sampled every ``step_m`` metres (default
    ``min(5, tolerance_m / 4)``) in a local transverse Mercator at its centroid, and each
    change between patrolled and not is then found by bisection to 1 cm; only a patrolled
    stretch shorter than the step that falls between two samples can be missed. A
    one-point track counts as a disc of radius ``tolerance_m``.

    Returns
    -------
    dict
        ``{line_length_m, patrolled_m, share, segments}``: ``share`` in 0–1 and
        ``segments`` the merged ``(start_m, end_m)`` stretches along the line; along a
        MultiLineString the measure runs through its parts in order.
    """
    if not tolerance_m > 0:
        raise InvalidInput(f"tolerance_m must be positive, got {tolerance_m}",
                           field="tolerance_m")
    parts = _line_parts(line_wkb_or_geom)
    centre = shapely.centroid(shapely.multilinestrings(parts))
    tr = local_projection(centre.x, centre.y)
    near = _Near(tr, tracks, tolerance_m)
    step = float(step_m) if step_m else min(5.0, tolerance_m / 4)
    spans, offset = [], 0.0
    for part in parts:
        xy = project(tr, *np.asarray(part.coords)[:, :2].T)
        path = _Path(xy)
        spans += [(a + offset, b + offset) for a, b in _covered(path, near, step)]
        offset += path.length
    segments = [(float(a), float(b)) for a, b in _merge(spans)]
    patrolled = float(sum(b - a for a, b in segments))
    return {"line_length_m": round(offset, 2), "patrolled_m": round(patrolled, 2),
            "share": patrolled / offset if offset else 0.0,
            "segments": [(round(a, 2), round(b, 2)) for a, b in segments]}


def _line_parts(line) -> list[LineString]:
    geom = line
    if isinstance(line, memoryview | bytearray):
        geom = bytes(line)
    if isinstance(geom, bytes | str):
        try:
            geom = shapely.from_wkb(geom)
        except shapely.errors.GEOSException as exc:
            raise InvalidInput(f"the boundary line is not readable WKB: {exc}",
                               field="line") from None
    if isinstance(geom, MultiLineString):
        parts = [p for p in geom.geoms if p.length > 0]
    elif isinstance(geom, LineString):
        parts = [geom] if geom.length > 0 else []
    else:
        raise InvalidInput(f"the boundary line must be a LineString or MultiLineString, "
                           f"got {getattr(geom, 'geom_type', type(geom).__name__)}",
                           field="line")
    if not parts:
        raise InvalidInput("the boundary line is empty or has no length", field="line")
    return parts


class _Path:
    """A projected polyline that gives the point at any distance along it."""

    def __init__(self, xy: np.ndarray) -> None:
        seg = np.hypot(*np.diff(xy, axis=0).T)
        keep = np.concatenate([[True], seg > 0])
        self.xy = xy[keep]
        self.seg = seg[seg > 0]
        self.cum = np.concatenate([[0.0], np.cumsum(self.seg)])
        self.length = float(self.cum[-1])

    def at(self, d: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(self.cum, d, side="right") - 1, 0, len(self.seg) - 1)
        f = ((d - self.cum[i]) / self.seg[i])[:, None]
        return self.xy[i] + f * (self.xy[i + 1] - self.xy[i])


class _Near:
    """Which points lie within the tolerance of a track: an STRtree of track pieces."""

    PIECE = 8   # fixes per indexed piece: small boxes, a short tree

    def __init__(self, tr: pyproj.Transformer, tracks: list[Track], tolerance_m: float):
        self.tol = tolerance_m
        geoms = []
        for track in tracks:
            if len(track) == 0:
                continue
            xy = project(tr, track.lon, track.lat)
            if len(xy) == 1:
                geoms.append(shapely.points(xy[0]))
                continue
            starts = np.arange(0, len(xy) - 1, self.PIECE)
            geoms += [shapely.linestrings(xy[a:a + self.PIECE + 1]) for a in starts]
        self.tree = shapely.STRtree(geoms) if geoms else None

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        hit = np.zeros(len(xy), dtype=bool)
        if self.tree is None or not len(xy):
            return hit
        found = self.tree.query(shapely.points(xy), predicate="dwithin", distance=self.tol)
        hit[found[0]] = True
        return hit


def _covered(path: _Path, near: _Near, step: float) -> list[tuple[float, float]]:
    """Stretches of one part within tolerance, ends refined by bisection."""
    count = max(int(math.ceil(path.length / step)), 1)
    d = np.linspace(0.0, path.length, count + 1)
    inside = near(path.at(d))
    if not inside.any():
        return []
    change = np.flatnonzero(np.diff(inside.astype(np.int8)))
    # Each change lies between samples j and j+1; bisect with the patrolled side kept.
    lo, hi = d[change], d[change + 1]
    entering = ~inside[change]
    for _ in range(max(int(math.ceil(math.log2(step / 0.01))), 0)):
        mid = (lo + hi) / 2
        hit = near(path.at(mid))
        move_lo = hit != entering   # entering: hit means the change is before mid
        lo = np.where(move_lo, mid, lo)
        hi = np.where(move_lo, hi, mid)
    edges = (lo + hi) / 2
    starts = list(edges[entering])
    ends = list(edges[~entering])
    if inside[0]:
        starts.insert(0, 0.0)
    if inside[-1]:
        ends.append(path.length)
    return list(zip(starts, ends, strict=True))


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1e-6:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# ------------------------------------------------------------------ storage

def to_ewkt_m(track: Track) -> str:
    """``SRID=4490;LINESTRINGM(lon lat t, ...)`` for a ``geometry(LineStringM, 4490)``.

    M is epoch seconds, 0 when the track has no times. A one-point track is written as the
    same point twice (PostGIS needs two), which ``from_coords`` reads back as one point.
    """
    n = len(track)
    if n == 0:
        raise _bad("an empty track cannot be stored")
    t = track.t if track.t is not None else np.zeros(n)
    idx = [0, 0] if n == 1 else range(n)
    body = ", ".join(f"{track.lon[i]:.9f} {track.lat[i]:.9f} {t[i]:.3f}" for i in idx)
    return f"SRID=4490;LINESTRINGM({body})"


def from_coords(coords, source_format: str = "gpx", name: str | None = None) -> Track:
    """The track of stored ``(lon, lat, m)`` coordinates; all-zero M means no times."""
    xym = np.asarray(coords, dtype=float).reshape(-1, 3)
    if len(xym) == 2 and np.array_equal(xym[0], xym[1]):
        xym = xym[:1]
    t = None if not xym[:, 2].any() else xym[:, 2].copy()
    return Track(xym[:, 0].copy(), xym[:, 1].copy(), t, source_format, name)
