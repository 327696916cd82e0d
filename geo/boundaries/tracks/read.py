"""Reading patrol tracks from GPX or GeoJSON.

Reading rules (every refusal is ``InvalidInput`` with ``field="track"``):

- GPX: every ``trk``/``trkseg``/``trkpt`` in file order, segments and tracks joined into one
  track, each ``trkseg`` (of any ``trk``) after the first starting a new segment (a break:
  no straight piece joins it to the one before); only when there are no track points, the
  route points (``rte``), else the waypoints (``wpt``), as one segment. A time without a
  zone is UTC, as the GPX schema says.
- GeoJSON: a ``LineString`` or ``MultiLineString`` geometry, Feature, or FeatureCollection
  (its line features joined in order, each line feature and each part of a
  MultiLineString a segment of its own; when it has no lines, its ``Point`` features in
  order, as one segment, with ``properties.time`` or ``properties.timestamp``). Times come
  from ``properties.coordTimes`` or ``properties.times`` (one entry per position, nested per
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
from datetime import UTC, datetime
from typing import Any

import gpxpy
import gpxpy.gpx
import numpy as np

from geo import plausible
from geo.boundaries.settings import defaults
from geo.boundaries.tracks.track import Track, bad, iso

FORMATS = ("gpx", "geojson")
_FMT_ALIASES = {"gpx": "gpx", "application/gpx+xml": "gpx", "geojson": "geojson",
                "json": "geojson", "application/geo+json": "geojson",
                "application/json": "geojson"}
_MS_EPOCH = 1e11


def parse(data: bytes, fmt: str | None = None, filename: str | None = None) -> Track:
    """Read a GPX or GeoJSON track; ``fmt``, else the file suffix, else the content decides."""
    if isinstance(data, str):
        data = data.encode()
    if not data or not data.strip():
        raise bad("the track file is empty")
    kind = _detect(data, fmt, filename)
    track = _parse_gpx(data) if kind == "gpx" else _parse_geojson(data)
    _check(track)
    return track


def _detect(data: bytes, fmt: str | None, filename: str | None) -> str:
    if fmt:
        kind = _FMT_ALIASES.get(fmt.strip().lower())
        if kind is None:
            raise bad(f"unknown track format {fmt!r}: expected one of {', '.join(FORMATS)}")
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
        raise bad(f"unknown track format: {what} is not GPX; send GPX or GeoJSON")
    raise bad("unknown track format: the content is neither GPX (XML) nor GeoJSON; "
              "send GPX or GeoJSON")


def _check(track: Track) -> None:
    n = len(track)
    if n == 0:
        raise bad(f"the {track.source_format.upper()} file holds no points")
    if n == 1:
        raise bad("the track has a single point; a patrol needs at least two")
    limit = defaults()["track_max_points"]
    if n > limit:
        raise bad(f"the track has {n:,} points, more than the limit of {limit:,}")
    wrong = ~(np.isfinite(track.lon) & np.isfinite(track.lat)
              & (np.abs(track.lon) <= 180) & (np.abs(track.lat) <= 90))
    if wrong.any():
        i = int(np.argmax(wrong))
        swapped = plausible.in_china(float(track.lat[i]), float(track.lon[i]))
        raise bad(f"coordinates out of range at point {i + 1}: lon {track.lon[i]}, "
                  f"lat {track.lat[i]} (need |lon| ≤ 180 and |lat| ≤ 90)"
                  + ("; longitude and latitude look swapped" if swapped else ""))
    if track.t is not None:
        back = np.diff(track.t) < 0
        if back.any():
            i = int(np.argmax(back)) + 1
            raise bad(f"timestamps out of order: point {i + 1} at {iso(track.t[i])} is "
                      f"earlier than point {i} at {iso(track.t[i - 1])}")


def _times(values: list[Any], where: str) -> np.ndarray | None:
    """Epoch seconds from datetimes, ISO strings or epoch numbers; None when none has one."""
    missing = [i for i, v in enumerate(values) if v is None]
    if len(missing) == len(values):
        return None
    if missing:
        raise bad(f"some points have times and some do not: point {missing[0] + 1} of "
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
    raise bad(f"unreadable time {v!r} at point {i + 1} of {where}: expected ISO 8601 "
              f"(e.g. 2024-05-01T08:00:00Z) or epoch seconds")


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
            raise bad(f"the {kind} file is not valid {encoding} text: {exc}") from None
        return _decode(data[:exc.start], encoding, kind)
    except LookupError:
        raise bad(f"the {kind} file declares an unknown encoding {encoding!r}") from None


def _parse_gpx(data: bytes) -> Track:
    text = _decode_xml(data)
    limit = defaults()["track_max_points"]
    rough = len(re.findall(r"<(?:\w+:)?(?:trkpt|rtept|wpt)\b", text))
    if rough > limit:   # refuse before building a Python object per point
        raise bad(f"the track has about {rough:,} points, more than the limit of {limit:,}")
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException as exc:
        raise bad(f"malformed or truncated GPX (XML): {_xml_reason(exc)}") from None
    except gpxpy.gpx.GPXException as exc:
        raise bad(f"unreadable GPX: {exc}") from None
    segments = [seg.points for trk in gpx.tracks for seg in trk.segments if seg.points]
    points = [p for seg in segments for p in seg]
    breaks = np.cumsum([len(seg) for seg in segments])[:-1]
    name = next((trk.name for trk in gpx.tracks if trk.name), None)
    if not points:
        breaks = []
        points = [p for rte in gpx.routes for p in rte.points]
        name = next((rte.name for rte in gpx.routes if rte.name), None)
    if not points:
        points = list(gpx.waypoints)
    lon = np.array([p.longitude for p in points], dtype=float)
    lat = np.array([p.latitude for p in points], dtype=float)
    t = _times([p.time for p in points], "the GPX file")
    return Track(lon, lat, t, "gpx", name or gpx.name, np.asarray(breaks, dtype=np.int64))


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
        raise bad(f"malformed or truncated JSON: {exc.msg} at line {exc.lineno}, "
                  f"column {exc.colno}{cut}") from None
    if not isinstance(doc, dict):
        raise bad("the GeoJSON is not an object (a Feature, FeatureCollection or geometry)")
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
        raise bad(f"some points have times and some do not: feature {k} has no times")
    t = np.concatenate([p[2] for p in parts]) if all(has_t) else None
    breaks, offset = [], 0
    for p in parts:
        if lines:       # each line feature, and each part of one, is a segment
            breaks += [offset + b for b in p[4]]
        offset += len(p[0])
    return Track(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                 t, "geojson", name, np.asarray(breaks, dtype=np.int64))


def _features(doc: dict) -> list[dict]:
    kind = doc.get("type")
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise bad("the FeatureCollection has no 'features' list")
        return [f for f in feats if isinstance(f, dict)]
    if kind == "Feature":
        return [doc]
    if kind in ("LineString", "MultiLineString", "Point"):
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    raise bad(f"GeoJSON of type {kind!r} holds no track: expected a LineString or "
              f"MultiLineString Feature or FeatureCollection")


def _gtype(feature: dict) -> str | None:
    geom = feature.get("geometry")
    return geom.get("type") if isinstance(geom, dict) else None


def _props(feature: dict) -> dict:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def _feature_points(feature: dict, k: int):
    """(lon, lat, t or None, name, starts) of one line feature, its lines joined in order;
    ``starts`` are the indices where each of its lines begins (0 for the first)."""
    geom = feature["geometry"]
    coords = geom.get("coordinates")
    lines = [coords] if geom["type"] == "LineString" else coords
    if not isinstance(lines, list) or not all(isinstance(c, list) for c in lines):
        raise bad(f"feature {k}: 'coordinates' is not a list of positions")
    flat = [pos for line in lines for pos in line]
    starts = np.cumsum([0] + [len(line) for line in lines])[:-1].tolist()
    where = f"feature {k}"
    limit = defaults()["track_max_points"]
    if len(flat) > limit:   # refuse before checking each position
        raise bad(f"the track has {len(flat):,} points, more than the limit of {limit:,}")
    xyz = _positions(flat, where)
    props = _props(feature)
    stamps = props.get("coordTimes", props.get("times"))
    if stamps is not None:
        if isinstance(stamps, list) and stamps and all(isinstance(s, list) for s in stamps):
            _nested_lengths(stamps, lines, where)
            stamps = [s for line in stamps for s in line]
        if not isinstance(stamps, list) or len(stamps) != len(flat):
            got = len(stamps) if isinstance(stamps, list) else type(stamps).__name__
            raise bad(f"{where}: coordTimes/times has {got} entries for {len(flat)} points")
        t = _times(stamps, where)
    elif xyz.shape[1] >= 4:
        t = _times([None if np.isnan(v) else float(v) for v in xyz[:, 3]], where)
    else:
        t = None
    name = props.get("name") if isinstance(props.get("name"), str) else None
    return xyz[:, 0], xyz[:, 1], t, name, starts


def _nested_lengths(stamps: list[list], lines: list, where: str) -> None:
    """Times nested per line must match the lines one by one, not just in total."""
    if len(stamps) != len(lines):
        raise bad(f"{where}: coordTimes/times has {len(stamps)} lists of times for "
                  f"{len(lines)} lines")
    for j, (times, line) in enumerate(zip(stamps, lines, strict=True)):
        if len(times) != len(line):
            raise bad(f"{where}: coordTimes/times has {len(times)} entries for the "
                      f"{len(line)} points of line {j + 1}")


def _positions(flat: list, where: str) -> np.ndarray:
    """An N×4 float array of positions (NaN where a position has fewer numbers)."""
    width = max((len(p) for p in flat if isinstance(p, list)), default=2)
    out = np.full((len(flat), max(width, 4)), np.nan)
    for i, pos in enumerate(flat):
        ok = isinstance(pos, list) and len(pos) >= 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
        if not ok:
            raise bad(f"point {i + 1} of {where} is not a [lon, lat] position: {pos!r}")
        out[i, :len(pos)] = pos
    return out


def _point_feature(feature: dict, k: int):
    where = f"feature {k}"
    xyz = _positions([feature["geometry"].get("coordinates")], where)
    props = _props(feature)
    stamp = props.get("time", props.get("timestamp"))
    t = None if stamp is None else np.array([_epoch(stamp, 0, where)])
    return xyz[:, 0], xyz[:, 1], t, None, [0]
