"""Service settings, read once from the environment (``CIVGEO_*`` and ``DATABASE_URL``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from geo import localdb
from geo.errors import SetupError
from geo.sessions import Policy
from maps.base import MapSettings


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SetupError(f"{name}={raw!r} must be a whole number from {low} to {high}.")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    database_url: str
    # Read replicas for public lookups (``DATABASE_URL_READ``, comma-separated; api.reads).
    database_url_read: tuple[str, ...] = ()
    replica_max_lag_s: float = 30.0     # a replica further behind gets no reads
    replica_check_s: float = 1.0        # how often each process checks its replicas
    read_your_writes_s: int = 300       # how long a client's last write position is kept
    pool_max: int = 10
    statement_timeout_ms: int = 30_000
    pool_timeout_s: float = 10.0
    public_base_url: str = "http://127.0.0.1:8000"
    maps: MapSettings = field(default_factory=MapSettings)
    # Facilities are published to anyone (OGC, tiles) unless CIVGEO_FACILITIES_PUBLIC=0.
    facilities_public: bool = True
    # Browser sessions and the sign-in lock (DESIGN §4).
    sessions: Policy = field(default_factory=Policy)
    # Network graphs loaded in the background at start-up, newest first, up to this many
    # edges in all (about 50 MB per 100k edges); 0 loads each on its first use.
    warm_graph_edges: int = 0
    # At start-up, load what the public lookups read and keep it out of the garbage
    # collector's scans (``gc.freeze``); off for the apps tests build by the hundred.
    warm_start: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings; an unusable value raises SetupError naming the variable."""
        return cls(
            database_url=localdb.database_url(),
            database_url_read=tuple(u.strip() for u in os.environ.get(
                "DATABASE_URL_READ", "").split(",") if u.strip()),
            replica_max_lag_s=_int("CIVGEO_REPLICA_MAX_LAG_S", 30, 1, 3600),
            replica_check_s=_int("CIVGEO_REPLICA_CHECK_MS", 1000, 100, 60_000) / 1000,
            read_your_writes_s=_int("CIVGEO_READ_YOUR_WRITES_S", 300, 1, 86_400),
            pool_max=_int("CIVGEO_POOL_MAX", 10, 1, 50),  # the embedded server allows 60
            statement_timeout_ms=_int("CIVGEO_STATEMENT_TIMEOUT_MS", 30_000, 100, 3_600_000),
            pool_timeout_s=_int("CIVGEO_POOL_TIMEOUT_S", 10, 1, 600),
            public_base_url=os.environ.get("CIVGEO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            maps=MapSettings.from_env(),
            facilities_public=_int("CIVGEO_FACILITIES_PUBLIC", 1, 0, 1) == 1,
            sessions=Policy(
                session_hours=_int("CIVGEO_SESSION_HOURS", 12, 1, 24 * 30),
                idle_minutes=_int("CIVGEO_SESSION_IDLE_MINUTES", 60, 5, 24 * 60),
                max_failures=_int("CIVGEO_SIGN_IN_MAX_FAILURES", 5, 1, 100),
                lock_minutes=_int("CIVGEO_SIGN_IN_LOCK_MINUTES", 15, 1, 24 * 60),
                pairing_minutes=_int("CIVGEO_PAIRING_MINUTES", 10, 1, 60)),
            warm_graph_edges=_int("CIVGEO_WARM_GRAPH_EDGES", 500_000, 0, 50_000_000),
            warm_start=_int("CIVGEO_WARM_START", 1, 0, 1) == 1,
        )
