"""Published layers as features, for OGC API – Features (DESIGN §4).

Only layers without personal data are published here; each has a ``<id>_items`` and an
``<id>_extent`` query in ``features.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Collection:
    """A published layer."""

    id: str
    title: str
    description: str
    filters: tuple[str, ...] = ()   # extra query parameters the items accept


COLLECTIONS = {
    "divisions": Collection(
        "divisions", "Administrative divisions (行政区划)",
        "Current divisions, province to community, with 2020 population. Check `source`: "
        "township and community areas and community populations of the sample data are "
        "synthetic.", ("level", "under")),
    "names": Collection(
        "names", "Standard place names (标准地名)",
        "Current standard names with their romanization, category and approval; names "
        "without a location are left out.", ("category", "under")),
    "network_edges": Collection(
        "network_edges", "Street network edges",
        "pgRouting-ready street network; lengths in metres. © OpenStreetMap contributors, ODbL."),
}


@dataclass(frozen=True)
class Page:
    """One page of features and how many match in all."""

    features: list[dict]
    matched: int


def get_collection(collection_id: str) -> Collection:
    """Return a published collection, or raise NotFound."""
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise NotFound(f"no collection {collection_id!r}; see /ogc/collections",
                       field="collectionId") from None


def extent(conn, collection_id: str) -> list[float] | None:
    """Bounding box [minx, miny, maxx, maxy] of a collection, or None when empty."""
    row = fetch_one(conn, _Q[f"{get_collection(collection_id).id}_extent"])
    return None if row is None or row["minx"] is None else [row[k] for k in (
        "minx", "miny", "maxx", "maxy")]


def list_items(conn, collection_id: str, *, bbox: list[float] | None = None, limit: int = 100,
               offset: int = 0, item_id: str | None = None, **filters: str | None) -> Page:
    """A page of a collection's features (GeoJSON dicts)."""
    col = get_collection(collection_id)
    if bbox is not None and (len(bbox) != 4 or bbox[0] > bbox[2] or bbox[1] > bbox[3]):
        raise InvalidInput("bbox must be minLon,minLat,maxLon,maxLat", field="bbox")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    unknown = {k for k, v in filters.items() if v is not None} - set(col.filters)
    if unknown:
        raise InvalidInput(f"{collection_id} cannot be filtered by {sorted(unknown)}",
                           field=sorted(unknown)[0])
    params = {**dict(zip(("minx", "miny", "maxx", "maxy"), bbox or (None,) * 4, strict=True)),
              "limit": limit, "offset": offset, "id": item_id,
              **{f: filters.get(f) for f in col.filters}}
    rows = fetch_all(conn, _Q[f"{col.id}_items"], params)
    if not rows and offset:  # past the end: count what there is, for numberMatched
        first = fetch_all(conn, _Q[f"{col.id}_items"], {**params, "offset": 0, "limit": 1})
        return Page([], first[0]["matched"] if first else 0)
    return Page([r["feature"] for r in rows], rows[0]["matched"] if rows else 0)


def get_item(conn, collection_id: str, item_id: str) -> dict:
    """One feature by id."""
    numeric = item_id.isascii() and item_id.isdigit() and len(item_id) <= 18
    if collection_id in ("network_edges", "names") and not numeric:
        raise NotFound(f"no feature {item_id!r} in {collection_id}", field="featureId")
    page = list_items(conn, collection_id, item_id=item_id, limit=1)
    if not page.features:
        raise NotFound(f"no feature {item_id!r} in {collection_id}", field="featureId")
    return page.features[0]
