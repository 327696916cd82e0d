"""Network graphs loaded at start-up (issue 18): the service warms the newest networks'
graphs in the background, within a bound on their size, so that a planner's first
isochrone does not wait for its network to be read."""

from geo.coverage import graph as graphs
from geo.db import connect, fetch_all


def newest_networks(db_url):
    with connect(db_url) as conn:
        return fetch_all(conn, "SELECT n.id, (SELECT count(*) FROM network_edges e "
                               "WHERE e.network_id = n.id) AS edges FROM networks n "
                               "ORDER BY n.imported_at DESC, n.id DESC")


def test_warming_loads_the_newest_networks_within_the_bound(db_url, sample):
    networks = newest_networks(db_url)
    assert networks, "the samples hold a walking network"
    graphs._CACHE.clear()
    first = networks[0]
    assert graphs.warm(db_url, first["edges"]) == [first["id"]]
    assert (first["id"], True) in graphs._CACHE
    # The next request finds it loaded: the same object, not a second read.
    with connect(db_url) as conn:
        assert graphs.load_graph(conn, first["id"]) is graphs._CACHE[(first["id"], True)][1]


def test_warming_stops_at_the_bound_and_never_raises(db_url, sample):
    graphs._CACHE.clear()
    assert graphs.warm(db_url, 10) == []
    assert not graphs._CACHE
    assert graphs.warm("postgresql://127.0.0.1:1/none", 10**6) == []
