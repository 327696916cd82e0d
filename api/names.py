"""Public place-name lookup (DESIGN §4a): search, reverse, one name with its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import pages
from api.deps import Conn, borrow
from geo.crs import to_cgcs2000
from geo.divisions import get_division
from geo.errors import InvalidInput
from geo.names import gazetteer, search

router = APIRouter(prefix="/names", tags=["place names (public)"])
GEOJSON = "application/geo+json"
Crs = Annotated[str, Query(pattern="^(cgcs2000|wgs84|gcj02)$",
                           description="CRS of the coordinates given: cgcs2000 (= wgs84) or gcj02")]


def _numbers(raw: str, count: int, field: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise InvalidInput(f"{field} must be {count} numbers separated by commas", field=field)
    return values


def _feature(hit: dict) -> dict:
    props = {k: v for k, v in hit.items() if k != "point"}
    return {"type": "Feature", "id": hit["id"], "geometry": hit["point"], "properties": props}


@router.get("/search", summary="Search standard names")
def search_names(
    conn: Conn,
    q: Annotated[str | None, Query(description="characters (简/繁), pinyin, initials")] = None,
    division: Annotated[str | None, Query(description="6/9/12-digit division code")] = None,
    category: Annotated[str | None, Query(description="category code prefix, e.g. 0801")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    near: Annotated[str | None, Query(description="lon,lat")] = None,
    radius_m: Annotated[float, Query(gt=0, le=100_000)] = 5000,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    crs: Crs = "cgcs2000",
) -> JSONResponse:
    """Ranked hits (exact first, standard before historical), each with ``why`` it matched."""
    box = _numbers(bbox, 4, "bbox") if bbox else None
    if box and crs == "gcj02":
        box = (*to_cgcs2000(box[0], box[1], crs), *to_cgcs2000(box[2], box[3], crs))
    point = to_cgcs2000(*_numbers(near, 2, "near"), crs) if near else None
    hits = search.search(conn, q, division=division, category=category, bbox=box, near=point,
                         radius_m=radius_m, limit=limit)
    return JSONResponse({"type": "FeatureCollection", "query": q, "numberReturned": len(hits),
                         "features": [_feature(h) for h in hits]}, media_type=GEOJSON)


@router.get("/reverse", summary="Divisions and names at a point")
def reverse_names(conn: Conn, lon: float, lat: float,
                  limit: Annotated[int, Query(ge=1, le=50)] = 5,
                  crs: Crs = "cgcs2000") -> dict:
    """The divisions containing the point (province → community) and the nearest names."""
    lon, lat = to_cgcs2000(lon, lat, crs)
    return {"lon": lon, "lat": lat, **search.reverse(conn, lon, lat, limit)}


def _register_page(conn, division: str) -> str:
    head = get_division(conn, division)
    return pages.register_html(gazetteer.register_entries(conn, division), division,
                               head["name"])


@router.get("/register", summary="标准地名录 of a division (HTML or PDF)",
            response_class=HTMLResponse)
async def register(request: Request,
                   division: Annotated[str, Query(description="division code")],
                   format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html") -> Response:
    """The standard names under a division grouped by category, printable.

    The database connection goes back to the pool before Chromium prints the PDF, and only
    a few PDFs print at once, so printing never starves the other requests.
    """
    async with borrow(request) as conn:
        page = await run_in_threadpool(_register_page, conn, division)
    if format == "html":
        return HTMLResponse(page)
    async with request.app.state.print_slots:
        pdf = await run_in_threadpool(pages.html_to_pdf, page)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="register-{division}.pdf"'})


@router.get("/{name_id}", summary="One name with its history")
def get_name(conn: Conn, name_id: int) -> dict:
    """Standard name, romanization, category, meaning/origin/history, former names, and the
    current standard name when this one is historical."""
    return gazetteer.get_name(conn, name_id)
