"""Patrol tracks from the field (巡线轨迹): read GPX or GeoJSON (``read``), clean out GPS
noise and find the gaps where a track breaks into segments (``clean``; the gaps the field
app declares are read by ``declared``), measure how much of a boundary line a patrol came
near, segment by segment (``share``), and convert tracks to and from PostGIS
``geometry(LineStringM, 4490)`` with epoch seconds as M (``track``). Pure functions, no
database.
"""

from geo.boundaries.tracks.clean import DECLARED, FOUND, clean
from geo.boundaries.tracks.declared import read_declared, unplaced_warning
from geo.boundaries.tracks.read import FORMATS, parse
from geo.boundaries.tracks.share import patrolled_share, points_near
from geo.boundaries.tracks.track import (
    Track,
    from_coords,
    from_geojson,
    iso,
    segmented,
    to_ewkt_m,
)

__all__ = ["DECLARED", "FORMATS", "FOUND", "Track", "clean", "from_coords", "from_geojson",
           "iso", "parse", "patrolled_share", "points_near", "read_declared", "segmented",
           "to_ewkt_m", "unplaced_warning"]
