"""Standard addresses and QR plates for the public (DESIGN §4a): address search, parsing and
reverse lookup, the page a scanned plate opens, and a citizen's report of a broken plate.
Nothing personal is shown or kept."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field

from api import pages
from api.bodies import Body
from api.deps import Conn
from api.geojson import (
    GeoJSONResponse,
    also,
    collection,
    feature,
    geojson_response,
    json_response,
    point,
)
from api.params import FormatRenamed, LonLat
from api.reads import ReadConn
from api.web import messages
from geo.db import transaction
from geo.errors import Gone, NotFound
from geo.plates import addresses, plates

router = APIRouter(tags=["addresses (public)"])
Address = Annotated[str, Query(max_length=120, description="an address as people write it "
                                                           "(中文/繁體, full-width digits)")]


class PlateReportIn(Body):
    """A plate found damaged or missing, for an officer to check."""

    kind: Literal["damaged", "missing"]
    note: str | None = Field(None, max_length=300, description="what is wrong (no personal "
                                                               "data is kept)")


def _address_feature(a: dict) -> dict:
    return feature(a, point(a["lon"], a["lat"]), a["entrance_id"])


@router.get("/addresses/search", response_class=GeoJSONResponse, summary="Find standard addresses")
def search_addresses(request: Request, conn: ReadConn, q: Address,
                     limit: Annotated[int, Query(ge=1, le=100)] = 20) -> JSONResponse:
    """Doors whose standard address matches, best first, with how the query was read.
    Each says how it matched: ``match``, a stable code (``number``: the road and house
    number typed; ``road``: a door on the road typed; ``compound``: the 小区 typed), and
    ``match_label``, the same in the request's language (English, or Chinese with
    ``lang=zh``, the ``civgeo_lang=zh`` cookie or ``Accept-Language: zh``).

    When the road exists but the house number typed does not, ``nearest`` gives the
    existing numbers nearest it: by number on its own side and the other side
    (``by_number``), and the door nearest where it would stand on each side (``along``,
    with the distance along the road); otherwise ``nearest`` is null."""
    result = addresses.search(conn, q, limit=limit)
    locale = messages.locale_of(request)
    return collection([_address_feature({
        **a, "match_label": messages.match_label(locale, a["match"],
                                                 labels=messages.ADDRESS_MATCH)})
        for a in result["results"]], query=result["query"], nearest=result["nearest"])


@router.get("/addresses/parse", summary="Split an address into its parts")
def parse_address(conn: ReadConn, q: Address) -> JSONResponse:
    """Divisions, road (or compound), number, building, unit and room, what was left over,
    and the problems found (a road not in the register, a malformed number)."""
    return json_response(addresses.parse(conn, q))


@router.get("/addresses/reverse", response_class=GeoJSONResponse,
            summary="The nearest standard address to a point")
def reverse_address(conn: ReadConn, at: LonLat) -> JSONResponse:
    """The door nearest the point, with its standard address and the names in it."""
    return geojson_response(_address_feature(addresses.reverse(conn, *at)))


def _wants_json(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "json"
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


@router.get("/qr/{token}", response_class=HTMLResponse,
            responses={**also(404, "text/html", description="no such plate (a page)"),
                       **also(410, "text/html", description="the QR code was withdrawn")},
            summary="What a QR plate shows: the standard address (HTML; JSON when asked)",
            dependencies=[FormatRenamed])
def qr_page(request: Request, conn: ReadConn, token: str,
            format: Annotated[Literal["html", "json"] | None, Query()] = None) -> Response:
    """The plate's standard address and its standard names with romanization, as a page for
    a phone (in the reader's language: Chinese, English by its switch), or JSON with
    ``format=json`` (or ``Accept: application/json``). A withdrawn code answers 410, an
    unknown one 404."""
    if _wants_json(request, format):
        return json_response(plates.by_token(conn, token))
    try:
        return pages.qr_page(request, plates.by_token(conn, token), token)
    except (NotFound, Gone) as exc:
        gone = isinstance(exc, Gone)
        return pages.qr_page(request, None, token, error=exc.detail, gone=gone,
                             status=410 if gone else 404)


@router.post("/qr/{token}/report", status_code=201,
             summary="Report the plate damaged or missing (for an officer to check)")
def report_plate(conn: Conn, token: str, body: PlateReportIn) -> JSONResponse:
    """The report waits for a plates officer; one report of a kind a day per plate is kept,
    and nothing about the reporter."""
    with transaction(conn):
        return json_response(plates.public_report(conn, token,
                                                  body.model_dump(exclude_unset=True)), 201)
