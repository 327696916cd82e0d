"""Connection helpers: parameters from NumPy are quoted as the Python values they hold."""


def test_numpy_values_are_quoted_like_python_ones(conn):
    import numpy as np

    from geo.db import fetch_value

    assert fetch_value(conn, "SELECT 1-%s", (np.int64(-3),)) == 4
    assert fetch_value(conn, "SELECT %s::float8 = 'NaN'", (np.float64("nan"),)) is True
    assert fetch_value(conn, "SELECT %s", (np.bool_(False),)) is False
