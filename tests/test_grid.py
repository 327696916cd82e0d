"""The ASCII grid helper draws what the sketch shows."""

import pytest
from pyproj import Geod

from fixtures.grid import Grid

GEOD = Geod(ellps="GRS80")


def test_grid_positions_are_step_metres_apart():
    g = Grid("""
        1 - - - 2
        |       |
        4 - - - 3
    """, step_m=10)
    assert GEOD.geometry_length(g.line("1", "2")) == pytest.approx(80, abs=0.5)
    assert GEOD.geometry_length(g.line("2", "3")) == pytest.approx(20, abs=0.5)
    area, _ = GEOD.geometry_area_perimeter(g.polygon("1", "4", "3", "2"))
    assert area == pytest.approx(1600, rel=0.01)


def test_grid_labels_can_be_words_and_chinese():
    g = Grid("""
        A1   街口
    """)
    assert g["A1"][0] < g["街口"][0]


def test_grid_rejects_duplicate_labels():
    with pytest.raises(ValueError, match="twice"):
        Grid("1 1")


def test_grid_unknown_label_names_the_known_ones():
    with pytest.raises(KeyError, match="have"):
        Grid("1 2")["3"]
