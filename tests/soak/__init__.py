"""The soak test (``make soak``, ``python -m tests.soak``): load and a database fault.

It starts a private copy of everything (its own embedded PostgreSQL cluster in a temporary
``CIVGEO_HOME`` on a free port, the sample data, one ``civgeo serve`` on a free loopback
port), sends a mix of public lookups and keyed writes from concurrent clients, kills the
database with ``kill -9`` part-way and starts it again, then checks in the database that
every acknowledged write is there exactly once. It is not part of ``make test``.

- ``stack.py``: the private cluster and server (start, fault, tear down)
- ``traffic.py``: the clients, their requests and retries, the counts
- ``verify.py``: what the database holds after the run
- ``__main__.py``: the options, the run and the report
"""
