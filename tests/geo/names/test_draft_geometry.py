"""The geometry of a naming application is checked when the draft is made: valid (with
GEOS's reason, as PostGIS's ST_IsValidReason gives it), inside China, lon before lat."""

from __future__ import annotations

import pytest

from geo.errors import InvalidInput
from geo.names import gazetteer
from geo.names import workflow as wf
from tests.geo.names.test_workflow import OFFICER, street


@pytest.fixture
def categories(conn):
    gazetteer.load_categories(conn)


def _polygon(*ring):
    return {"type": "Polygon", "coordinates": [[list(p) for p in (*ring, ring[0])]]}


@pytest.mark.parametrize(("geometry", "words"), [
    (_polygon((113.10, 27.80), (113.12, 27.82), (113.12, 27.80), (113.10, 27.82)),
     "geometry is not valid: Self-intersection[113.11 27.81]"),
    ({"type": "Point", "coordinates": [27.83, 113.13]}, "longitude and latitude look swapped"),
    ({"type": "Point", "coordinates": [2.35, 48.85]}, "lies outside China"),
    ({"type": "LineString", "coordinates": [[113.1, 27.8], [113.1, 27.8]]}, "not valid: Too few"),
    ({"type": "Point", "coordinates": []}, "empty"),
])
def test_a_draft_with_an_implausible_geometry_is_refused(conn, categories, geometry, words):
    with pytest.raises(InvalidInput) as e:
        wf.create_application(conn, OFFICER, street("荷香路", geometry=geometry))
    assert e.value.field == "geometry" and words in e.value.detail


def test_a_plausible_draft_geometry_is_kept(conn, categories):
    made = wf.create_application(conn, OFFICER, street("荷香路", geometry=_polygon(
        (113.10, 27.80), (113.12, 27.80), (113.12, 27.82), (113.10, 27.82))))
    assert made["state"] == "draft"
