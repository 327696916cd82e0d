"""Public place-name lookup (DESIGN §4a): search, reverse, one name with its history, and
the printable register of a division."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api import pages
from api.geojson import GeoJSONResponse, collection, feature
from api.params import BBoxInCrs, Id, LonLat, Near, OptionalDivision
from api.printing import PRINTED, printable
from api.reads import ReadConn
from api.web import messages
from api.web.pages import wants_html
from geo.names import gazetteer, search
from geo.names import register as name_register
from maps import register as printed

router = APIRouter(prefix="/names", tags=["place names (public)"])


@router.get("/search", response_class=GeoJSONResponse, summary="Search standard names")
def search_names(
    request: Request, conn: ReadConn, bbox: BBoxInCrs, near: Near,
    division: OptionalDivision = None,
    q: Annotated[str | None, Query(description="characters (简/繁), pinyin, initials")] = None,
    category: Annotated[str | None, Query(description="category code prefix, e.g. 0801")] = None,
    radius_m: Annotated[float, Query(gt=0, le=100_000, description="with near")] = 5000,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> JSONResponse:
    """Ranked hits (exact first, standard before historical), each saying how it matched:
    ``match``, a stable code (``exact``, ``proper`` — the 专名 with the 通名 folded,
    ``prefix``, ``contains``, ``homophone``, ``one_char``, ``missing_char``, ``extra_char``
    (one character, or pinyin syllable, missing or too many), ``doubled_generic`` (花楼街道
    for 花楼街街道), ``former_name`` (a historical name: ``current`` gives the name it
    became and ``since``, the date of the change), ``pinyin``, ``proper_pinyin``,
    ``pinyin_prefix``, ``initials``, ``pinyin_typo``, ``near``); ``traditional``, true when
    the query was read from traditional characters; ``why``, the reason in English (as
    before); and ``match_label``, the reason in the request's language: English, or
    Chinese (精确匹配, 错一字, …) with ``lang=zh``, the ``civgeo_lang=zh`` cookie or
    ``Accept-Language: zh``. Filters combine: a division, a category, a box, or a point
    with a radius (nearest first)."""
    hits = search.search(conn, q, division=division, category=category, bbox=bbox, near=near,
                         radius_m=radius_m, limit=limit)
    locale = messages.locale_of(request)
    return collection([feature({**{k: v for k, v in h.items() if k != "point"},
                                "match_label": messages.match_label(locale, h["match"],
                                                                    h["traditional"])},
                               h["point"], h["id"])
                       for h in hits], query=q)


@router.get("/reverse", summary="Divisions and names at a point")
def reverse_names(conn: ReadConn, point: LonLat,
                  limit: Annotated[int, Query(ge=1, le=50)] = 5) -> dict:
    """The divisions containing the point (province → community) and the nearest names."""
    lon, lat = point
    return {"lon": lon, "lat": lat, **search.reverse(conn, lon, lat, limit)}


@router.get("/register", summary="标准地名录 of a division (HTML or PDF)", responses=PRINTED,
            response_class=HTMLResponse)
async def register(request: Request,
                   division: Annotated[str, Query(description="division code")],
                   format: Annotated[Literal["html", "pdf"], Query()] = "html") -> Response:
    """The standard names under a division grouped by category, printable. The database
    connection goes back to the pool before Chromium prints the PDF."""
    return await printable(request, lambda conn: name_register.register(conn, division),
                           format=format, html=printed.register_html,
                           pdf=printed.register_pdf, filename=f"register-{division}")


@router.get("/{name_id}", summary="One name with its history", response_model=dict,
            responses={200: {"content": {"text/html": {}},
                             "description": "JSON; a browser gets the name's page"}})
def get_name(request: Request, response: Response, conn: ReadConn, name_id: Id) -> Any:
    """Standard name, romanization, category, meaning/origin/history, former names, and the
    current standard name when this one is historical. A browser (``Accept: text/html``
    and no bearer token) gets the public page of the name instead, the URL people share;
    API clients keep the JSON."""
    if wants_html(request):
        html = pages.name_page(request, conn, name_id)
        html.headers["Vary"] = "Accept"
        return html
    response.headers["Vary"] = "Accept"
    return gazetteer.get_name(conn, name_id)
