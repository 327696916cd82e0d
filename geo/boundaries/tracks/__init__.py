"""Patrol tracks from the field (巡线轨迹): read GPX or GeoJSON (``read``), clean out GPS
noise (``clean``), measure how much of a boundary line a patrol came near (``share``), and
convert tracks to and from PostGIS ``geometry(LineStringM, 4490)`` with epoch seconds as M
(``track``). Pure functions, no database.
"""

from geo.boundaries.tracks.clean import clean
from geo.boundaries.tracks.read import FORMATS, parse
from geo.boundaries.tracks.share import patrolled_share, points_near
from geo.boundaries.tracks.track import Track, from_coords, to_ewkt_m

__all__ = ["FORMATS", "Track", "clean", "from_coords", "parse", "patrolled_share",
           "points_near", "to_ewkt_m"]
