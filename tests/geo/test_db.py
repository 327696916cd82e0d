"""Connection helpers: parameters from NumPy are quoted as the Python values they hold;
prepared statements answer as the text does."""


def test_numpy_values_are_quoted_like_python_ones(conn):
    import numpy as np

    from geo.db import fetch_value

    assert fetch_value(conn, "SELECT 1-%s", (np.int64(-3),)) == 4
    assert fetch_value(conn, "SELECT %s::float8 = 'NaN'", (np.float64("nan"),)) is True
    assert fetch_value(conn, "SELECT %s", (np.bool_(False),)) is False


def test_a_prepared_statement_is_made_once_per_connection_and_answers_as_text_does(conn):
    from geo.db import fetch_all, fetch_one

    sql = ("SELECT %(a)s::int + %(b)s::int AS sum, %(a)s::int AS a, "
           "'x%%' LIKE 'x%%' AS percent, %(words)s::text[] AS words")
    params = {"a": 2, "b": 3, "words": ["荷塘", "it's"], "unused": None}
    assert fetch_all(conn, sql, params, prepared=True) == fetch_all(conn, sql, params)
    assert fetch_one(conn, sql, {**params, "a": 40}, prepared=True)["sum"] == 43
    conn.rollback()   # a prepared statement outlives the transaction it was made in
    assert fetch_one(conn, sql, params, prepared=True) == {
        "sum": 5, "a": 2, "percent": True, "words": ["荷塘", "it's"]}
    made = fetch_all(conn, "SELECT statement FROM pg_prepared_statements")
    assert len(made) == 1 and "$1::int + $2::int" in made[0]["statement"]
    assert "'x%' LIKE 'x%'" in made[0]["statement"]


def test_prepared_statements_per_connection_are_bounded(conn, monkeypatch):
    from geo import db

    monkeypatch.setattr(db, "PREPARED_MAX", 2)
    for n in range(4):
        assert db.fetch_one(conn, f"SELECT %(v)s::int + {n} AS v", {"v": 1},
                            prepared=True) == {"v": 1 + n}
    assert db.fetch_value(conn, "SELECT count(*) FROM pg_prepared_statements") == 2
