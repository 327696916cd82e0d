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


def test_grid_columns_are_display_columns_after_chinese_labels():
    # 乙 and 1 come after wide characters: by character index they would be at 6 and 10,
    # left of 3 and 4, which are drawn under them.
    g = Grid("""
        甲 - - 乙 - 1
        2      3    4
    """, step_m=10)
    assert g["乙"][0] == g["3"][0]
    assert g["1"][0] == g["4"][0]
    assert GEOD.geometry_length(g.line("2", "4")) == pytest.approx(120, abs=0.5)


def test_grid_chinese_label_above_a_chinese_label():
    g = Grid("""
        湘江路 - 1
        建设 - - 2
    """, step_m=10)
    assert g["1"][0] == g["2"][0]
    assert GEOD.geometry_length(g.line("湘江路", "1")) == pytest.approx(90, abs=0.5)


def test_grid_fullwidth_decoration_takes_two_columns():
    g = Grid("""
        A－B
        C  D
    """, step_m=10)
    assert g["B"][0] == g["D"][0]


def test_grid_rejects_duplicate_labels():
    with pytest.raises(ValueError, match="twice"):
        Grid("1 1")


def test_grid_unknown_label_names_the_known_ones():
    with pytest.raises(KeyError, match="have"):
        Grid("1 2")["3"]
