"""House-number plates (DESIGN §4a): roads and their numbering, validation, plates and
campaigns for plates officers; address search, reverse and the QR page for the public."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import Conn, require
from geo.audit import Actor
from geo.crs import to_cgcs2000
from geo.db import transaction
from geo.errors import DomainError, Gone, InvalidInput, NotFound
from geo.plates import addresses, numbering, plates, qr, roads, validation

router = APIRouter(tags=["house numbers (plates officer)"])
public = APIRouter(tags=["addresses (public)"])
Officer = Annotated[Actor, Depends(require("plates_officer"))]
GEOJSON = "application/geo+json"
Crs = Annotated[str, Query(pattern="^(cgcs2000|wgs84|gcj02)$",
                           description="CRS of the coordinates given: cgcs2000 (= wgs84) or gcj02")]
_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]))


def _json(body: Any, status: int = 200, media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=media_type)


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def _next(request: Request, total: int, limit: int, offset: int) -> list[dict]:
    links = []
    if offset + limit < total:
        query = dict(request.query_params) | {"offset": str(offset + limit)}
        links.append({"rel": "next", "href": f"{request.url.path}?{urlencode(query)}",
                      "type": GEOJSON})
    return links


# ------------------------------------------------------------------ roads

@router.get("/roads", summary="Roads to number (GeoJSON)")
def list_roads(request: Request, conn: Conn, actor: Officer,
               division: Annotated[str | None, Query(description="division code")] = None,
               q: Annotated[str | None, Query(max_length=60, description="part of the name")]
               = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    if division:
        from geo.divisions import check_code
        check_code(division)
    rows, total = roads.list_roads(conn, division=division, q=q, limit=limit, offset=offset)
    features = [{"type": "Feature", "id": r["id"], "geometry": r.pop("geometry"),
                 "properties": r} for r in rows]
    return _json({"type": "FeatureCollection", "features": features, "numberMatched": total,
                  "numberReturned": len(features),
                  "links": _next(request, total, limit, offset)}, media_type=GEOJSON)


@router.post("/roads", status_code=201, summary="Add a road (name, GeoJSON line, rule)")
def create_road(conn: Conn, actor: Officer, body: dict[str, Any]) -> Response:
    with transaction(conn):
        road = roads.create(conn, actor, body)
    return _json(_road_feature(road), 201, GEOJSON)


def _road_feature(road: dict) -> dict:
    props = {k: v for k, v in road.items() if k != "geometry"}
    return {"type": "Feature", "id": road["id"], "geometry": road["geometry"],
            "properties": props}


@router.get("/roads/{road_id}", summary="One road with its numbering rule")
def get_road(conn: Conn, actor: Officer, road_id: int) -> Response:
    return _json(_road_feature(roads.get(conn, road_id)), media_type=GEOJSON)


@router.get("/roads/{road_id}/entrances", summary="The doors of a road (GeoJSON)")
def road_entrances(conn: Conn, actor: Officer, road_id: int) -> Response:
    rows = roads.entrances(conn, road_id)
    return _json({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r["id"], "geometry": _point(r["lon"], r["lat"]),
         "properties": r} for r in rows]}, media_type=GEOJSON)


@router.post("/roads/{road_id}/entrances", status_code=201,
             summary="Add doors to a road ({doors: [{lon, lat, number?, name?}]})")
def add_entrances(conn: Conn, actor: Officer, road_id: int, body: dict[str, Any],
                  crs: Crs = "cgcs2000") -> Response:
    doors = body.get("doors")
    if isinstance(doors, list) and crs == "gcj02":
        doors = [_converted(d, crs) for d in doors]
    with transaction(conn):
        rows = roads.add_entrances(conn, actor, road_id, doors)
    return _json({"entrances": rows}, 201)


def _converted(door: Any, crs: str) -> Any:
    try:
        lon, lat = to_cgcs2000(float(door["lon"]), float(door["lat"]), crs)
    except (TypeError, KeyError, ValueError):
        return door  # the domain check names the field
    return {**door, "lon": lon, "lat": lat}


@router.post("/roads/{road_id}/numbering",
             summary="Propose a numbering (rename, split, extend, new doors), then apply it")
def road_numbering(conn: Conn, actor: Officer, road_id: int, body: dict[str, Any]) -> Response:
    """``{"action": "propose", "mode": "fill"|"renumber", "rule": {...}, "name": "新名",
    "geometry": {...}, "split": {"at": [lon, lat], "name": "..."}, "assign": {"17": "12-1"}}``
    answers the proposal (old → new per door) and its id; ``{"action": "apply", "proposal":
    id}`` applies it in one transaction, keeping the mapping as history. A stale proposal
    (the road or its doors changed) or one that would give two doors one address is
    refused (409) with nothing written."""
    action = body.get("action", "propose")
    with transaction(conn):
        if action == "propose":
            result = numbering.propose(conn, actor, road_id, body)
        elif action == "apply":
            result = numbering.apply(conn, actor, road_id, body.get("proposal"))
        else:
            raise InvalidInput("action must be propose or apply", field="action")
    return _json(result, 201 if action == "propose" else 200)


@router.get("/roads/{road_id}/numbering/history",
            summary="Renumberings of a road with their old → new mapping")
def numbering_history(conn: Conn, actor: Officer, road_id: int) -> Response:
    return _json(numbering.history(conn, road_id))


@router.get("/roads/{road_id}/validation", summary="Validate a road's numbering")
def road_validation(conn: Conn, actor: Officer, road_id: int,
                    f: Annotated[str, Query(pattern="^(json|geojson)$")] = "json") -> Response:
    """Findings: wrong_parity, duplicate, out_of_order, reversed, gap, too_far, wrong_road,
    unnumbered, bad_number; each with a message. ``f=geojson`` gives the findings as
    points; the map is at /maps/roads/{id}."""
    report = validation.validate(conn, road_id)
    if f == "geojson":
        return _json({"type": "FeatureCollection", "road": report["road"],
                      "summary": report["summary"], "features": [
                          {"type": "Feature",
                           "geometry": _point(x["lon"], x["lat"]) if x["lon"] is not None
                           else None, "properties": x} for x in report["findings"]]},
                     media_type=GEOJSON)
    return _json(report)


# ------------------------------------------------------------------ campaigns (before /plates/{id})

@router.get("/plates/campaigns", summary="Plate campaigns with their progress")
def list_campaigns(conn: Conn, actor: Officer) -> Response:
    return _json(plates.campaigns(conn))


@router.post("/plates/campaigns", status_code=201,
             summary="A campaign: plates for new roads, or replacements for broken ones")
def create_campaign(conn: Conn, actor: Officer, body: dict[str, Any]) -> Response:
    with transaction(conn):
        result = plates.create_campaign(conn, actor, body)
    return _json(result, 201)


@router.get("/plates/campaigns/{campaign_id}", summary="One campaign, its progress and plates")
def get_campaign(conn: Conn, actor: Officer, campaign_id: int) -> Response:
    c = plates.campaign(conn, campaign_id)
    c["plates"] = plates.list_plates(conn, campaign=campaign_id, limit=10_000)[0]
    return _json(c)


@router.get("/plates/campaigns/{campaign_id}/sheet", response_class=HTMLResponse,
            summary="The campaign's QR plate sheet to print (HTML, or PDF with f=pdf)")
def campaign_sheet(conn: Conn, actor: Officer, campaign_id: int,
                   f: Annotated[str, Query(pattern="^(html|pdf)$")] = "html") -> Response:
    c, items = plates.sheet_items(conn, campaign_id)
    page = qr.sheet_html(items, title=f"{c['name']} — 门牌二维码 QR plates",
                         generated_at=_now())
    if f == "pdf":
        return Response(qr.sheet_pdf(page), media_type="application/pdf")
    return HTMLResponse(page)


def _now():
    import datetime as dt
    return dt.datetime.now().astimezone()


# ------------------------------------------------------------------ plates

@router.get("/plates", summary="Plates (filter by status, road, campaign)")
def list_plates(request: Request, conn: Conn, actor: Officer,
                status: Annotated[str | None, Query()] = None,
                road: Annotated[int | None, Query()] = None,
                campaign: Annotated[int | None, Query()] = None,
                reported: Annotated[bool, Query(description="only plates with public "
                                                "reports no officer has acted on")] = False,
                limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    rows, total = plates.list_plates(conn, status=status, road=road, campaign=campaign,
                                     reported=reported, limit=limit, offset=offset)
    return _json({"type": "FeatureCollection", "numberMatched": total,
                  "numberReturned": len(rows), "links": _next(request, total, limit, offset),
                  "features": [{"type": "Feature", "id": r["id"],
                                "geometry": _point(r["lon"], r["lat"]), "properties": r}
                               for r in rows]}, media_type=GEOJSON)


@router.post("/plates", status_code=201, summary="Plan a plate for a door, building or unit")
def create_plate(conn: Conn, actor: Officer, body: dict[str, Any]) -> Response:
    with transaction(conn):
        plate = plates.create(conn, actor, body)
    return _json(plate, 201)


@router.get("/plates/{plate_id}", summary="One plate with its history and address")
def get_plate(conn: Conn, actor: Officer, plate_id: int) -> Response:
    return _json(plates.get(conn, plate_id))


@router.patch("/plates/{plate_id}", summary="Move a plate along its lifecycle (send version)")
def patch_plate(conn: Conn, actor: Officer, plate_id: int, body: dict[str, Any]) -> Response:
    """``status`` (ordered, installed with installed_on, lon, lat and an optional base64
    ``photo``; damaged, missing, replaced (a replacement plate is planned), removed),
    ``revoke`` (a reason) or ``reissue`` (a new token), with the ``version`` read."""
    with transaction(conn):
        plate = plates.update(conn, actor, plate_id, body)
    return _json(plate)


@router.get("/plates/{plate_id}/qr.svg", summary="The plate's QR code (SVG)")
def plate_qr_svg(conn: Conn, actor: Officer, plate_id: int) -> Response:
    plate = plates.get(conn, plate_id, events=False)
    return Response(qr.qr_svg(plate["url"]), media_type="image/svg+xml")


@router.get("/plates/{plate_id}/qr.png", summary="The plate's QR code (PNG)")
def plate_qr_png(conn: Conn, actor: Officer, plate_id: int) -> Response:
    plate = plates.get(conn, plate_id, events=False)
    return Response(qr.qr_png(plate["url"]), media_type="image/png")


@router.get("/plates/{plate_id}/photo", summary="The installation photo")
def plate_photo(conn: Conn, actor: Officer, plate_id: int) -> Response:
    data, media_type = plates.photo(conn, plate_id)
    return Response(data, media_type=media_type)


# ------------------------------------------------------------------ public

@public.get("/addresses/search", summary="Find standard addresses (中文/繁體, full-width digits)")
def search_addresses(conn: Conn, q: Annotated[str, Query(max_length=120)],
                     limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Response:
    result = addresses.search(conn, q, limit=limit)
    return _json({"type": "FeatureCollection", "query": result["query"],
                  "features": [{"type": "Feature", "id": a["entrance_id"],
                                "geometry": _point(a["lon"], a["lat"]), "properties": a}
                               for a in result["results"]]}, media_type=GEOJSON)


@public.get("/addresses/parse", summary="Split an address into its parts")
def parse_address(conn: Conn, q: Annotated[str, Query(max_length=120)]) -> Response:
    return _json(addresses.parse(conn, q))


@public.get("/addresses/reverse", summary="The nearest standard address to a point")
def reverse_address(conn: Conn, lon: float, lat: float, crs: Crs = "cgcs2000") -> Response:
    lon, lat = to_cgcs2000(lon, lat, crs)
    a = addresses.reverse(conn, lon, lat)
    return _json({"type": "Feature", "id": a["entrance_id"],
                  "geometry": _point(a["lon"], a["lat"]), "properties": a},
                 media_type=GEOJSON)


def _wants_json(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "json"
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


@public.get("/qr/{token}", response_class=HTMLResponse,
            summary="What a QR plate shows: the standard address (HTML; JSON when asked)")
def qr_page(request: Request, conn: Conn, token: str,
            f: Annotated[str | None, Query(pattern="^(html|json)$")] = None) -> Response:
    if _wants_json(request, f):
        return _json(plates.by_token(conn, token))
    try:
        page = plates.by_token(conn, token)
    except (NotFound, Gone) as exc:
        status = 410 if isinstance(exc, Gone) else 404
        return HTMLResponse(_ENV.get_template("qr_page.html").render(
            page=None, error=exc.detail, gone=status == 410), status_code=status)
    return HTMLResponse(_ENV.get_template("qr_page.html").render(page=page, error=None,
                                                                 token=token))


@public.post("/qr/{token}/report", status_code=201,
             summary="Report the plate damaged or missing (for an officer to check; no "
                     "personal data kept)")
def report_plate(conn: Conn, token: str, body: dict[str, Any]) -> Response:
    with transaction(conn):
        result = plates.public_report(conn, token, body)
    return _json(result, 201)


__all__ = ["router", "public", "DomainError"]
