"""Boundary lines, markers, joint inspections and patrols for inspection teams (DESIGN §4a).

An inspector sees and writes only the inspections (and lines) assigned to its teams; field
records are idempotent by the client's UUID (see ``geo.boundaries.field``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Conn, require
from geo.audit import Actor
from geo.boundaries import field, history, inspections, lines
from geo.db import transaction
from geo.errors import Forbidden, InvalidInput, NotFound

router = APIRouter(tags=["boundaries (inspector)"])
Inspector = Annotated[Actor, Depends(require("inspector"))]
GEOJSON = "application/geo+json"
MAX_TRACK_BYTES = 50 * 1024 * 1024


def _json(body: Any, status: int = 200, media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=media_type)


def _visible_line_ids(conn, actor: Actor) -> list[int] | None:
    if actor.role == "admin":
        return None
    return sorted({i["line_id"] for i in inspections.list_for(conn, actor)})


# ------------------------------------------------------------------ register

@router.get("/boundaries/lines", summary="Boundary lines (those assigned to your teams)")
def list_lines(conn: Conn, actor: Inspector, division: str | None = None,
               level: Annotated[str | None,
                                Query(pattern="^(province|prefecture|county)$")] = None) -> Any:
    return jsonable_encoder(lines.list_lines(conn, division=division, level=level,
                                             ids=_visible_line_ids(conn, actor)))


@router.get("/boundaries/lines/{line_id}", summary="One boundary line (GeoJSON)")
def get_line(conn: Conn, actor: Inspector, line_id: int) -> JSONResponse:
    line = assigned_line(conn, actor, line_id)
    geometry = line.pop("geometry")
    return _json({"type": "Feature", "id": line["id"], "geometry": geometry,
                  "properties": line}, media_type=GEOJSON)


def assigned_line(conn, actor: Actor, line_id: int) -> dict:
    line = lines.get_line(conn, line_id)
    visible = _visible_line_ids(conn, actor)
    if visible is not None and line["id"] not in visible:
        raise NotFound(f"no boundary line {line_id} assigned to your teams", field="line")
    return line


@router.get("/boundaries/markers", summary="Markers of a line (GeoJSON)")
def list_markers(conn: Conn, actor: Inspector,
                 line: Annotated[int, Query(description="line id")]) -> JSONResponse:
    found = assigned_line(conn, actor, line)
    features = [{"type": "Feature", "id": m["marker_no"],
                 "geometry": {"type": "Point", "coordinates": [m["lon"], m["lat"]]},
                 "properties": m} for m in lines.markers(conn, found["id"])]
    return _json({"type": "FeatureCollection", "line": found["name"], "features": features},
                 media_type=GEOJSON)


@router.get("/boundaries/topology", summary="Gaps, overlaps, markers off their line, "
                                            "lines off the shared edge")
def topology(conn: Conn, actor: Inspector,
             division: Annotated[str, Query(description="e.g. 430200")]) -> Any:
    from geo.boundaries import topology as topo

    result = topo.report(conn, division)
    visible = _visible_line_ids(conn, actor)
    if visible is not None:             # markers and lines of other teams' lines stay hidden
        result["markers_off_line"] = [m for m in result["markers_off_line"]
                                      if m["line_id"] in visible]
        result["lines_off_edge"] = [x for x in result["lines_off_edge"] if x["id"] in visible]
        result["counts"].update(markers_off_line=len(result["markers_off_line"]),
                                lines_off_edge=len(result["lines_off_edge"]))
    return jsonable_encoder(result)


@router.get("/boundaries/divisions", summary="Divisions as of a date (history)")
def divisions_as_of(conn: Conn, actor: Inspector, parent: str,
                    on: Annotated[dt.date | None, Query()] = None) -> Any:
    return jsonable_encoder(history.as_of(conn, parent, on or dt.date.today()))


@router.get("/boundaries/changes", summary="Division change events (撤县设区 …)")
def division_changes(conn: Conn, actor: Inspector, division: str | None = None) -> Any:
    return jsonable_encoder(history.changes(conn, division))


# ------------------------------------------------------------------ inspections

@router.get("/inspections", summary="Inspections assigned to your teams")
def list_inspections(conn: Conn, actor: Inspector, line: int | None = None) -> Any:
    return jsonable_encoder(inspections.list_for(conn, actor, line))


@router.get("/inspections/plan", summary="Lines due or overdue for their joint inspection")
def inspection_plan(conn: Conn, actor: Inspector, year: int | None = None,
                    division: str | None = None) -> Any:
    rows = inspections.plan(conn, year or dt.date.today().year, division)
    visible = _visible_line_ids(conn, actor)
    return jsonable_encoder(rows if visible is None else
                            [r for r in rows if r["line_id"] in visible])


@router.post("/inspections", status_code=201, summary="Plan an inspection of a line")
def create_inspection(conn: Conn, actor: Inspector, body: dict[str, Any]) -> Any:
    """``{line, year, kind: regular|ad_hoc, reason, lead_code, lead_team, support_team}``;
    an inspector must be on one of the two teams."""
    mine = {t["id"] for t in inspections.teams_of(conn, actor) or []}
    with transaction(conn):
        created = inspections.create(
            conn, actor, body.get("line"), _year(body.get("year")),
            lead_code=body.get("lead_code"), lead_team=body.get("lead_team"),
            support_team=body.get("support_team"), kind=body.get("kind", "regular"),
            reason=body.get("reason"))
        if actor.role != "admin" and not {created["lead_team_id"],
                                          created["support_team_id"]} & mine:
            raise Forbidden("plan inspections for lines your own team works on")
    return jsonable_encoder(created)


def _year(value: Any) -> int:
    if type(value) is not int:
        raise InvalidInput("year must be a whole number, e.g. 2026", field="year")
    return value


@router.get("/inspections/{inspection_id}", summary="One inspection")
def get_inspection(conn: Conn, actor: Inspector, inspection_id: int) -> Any:
    return jsonable_encoder(inspections.get(conn, inspection_id, actor))


@router.post("/inspections/{inspection_id}/patrols", summary="Upload a patrol (idempotent)",
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": {"type": "object"}},
                 "application/gpx+xml": {"schema": {"type": "string", "format": "binary"}},
                 "application/geo+json": {"schema": {"type": "object"}}}}})
async def post_patrol(conn: Conn, actor: Inspector, inspection_id: int, request: Request,
                      uuid: Annotated[str | None,
                                      Query(description="with a raw GPX/GeoJSON body")] = None,
                      members: Annotated[str | None, Query(description="comma-separated")]
                      = None) -> JSONResponse:
    """JSON ``{uuid, members, notes, track: {format, data}, marker_checks, hazards, photos}``,
    or a GPX / GeoJSON file as the body with ``?uuid=`` (``Content-Type:
    application/gpx+xml`` or ``application/geo+json``). 201 when stored; 200 with
    ``duplicate: true`` when this UUID was already received with the same content; 409 when
    with other content."""
    body = await request.body()      # read raw: a GeoJSON track is not parsed as the record
    if len(body) > MAX_TRACK_BYTES:
        raise InvalidInput("the upload is larger than 50 MB", field="track")
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/json":
        record = _parse_json(body)
        raw, fmt = None, None
    else:
        record = {"uuid": uuid, "members": [m for m in (members or "").split(",") if m]}
        raw = body
        fmt = "gpx" if "gpx" in kind or "xml" in kind else "geojson" if "json" in kind else None

    def store() -> dict:
        with transaction(conn):
            return field.submit_patrol(conn, actor, inspection_id, record, track_bytes=raw,
                                       track_format=fmt)

    stored = await run_in_threadpool(store)
    return _json(stored, 200 if stored["duplicate"] else 201)


def _parse_json(body: bytes) -> dict:
    try:
        record = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}", field="body") from None
    if not isinstance(record, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    return record


@router.post("/inspections/{inspection_id}/marker-checks", summary="Record a marker check")
def post_marker_check(conn: Conn, actor: Inspector, inspection_id: int,
                      body: dict[str, Any]) -> JSONResponse:
    """``{uuid, marker (marker_no), condition, lon, lat, checked_at, note, photos}``; the
    answer has the displacement from the registered position and the required action."""
    with transaction(conn):
        stored = field.submit_check(conn, actor, inspection_id, body)
    return _json(stored, 200 if stored["duplicate"] else 201)


@router.patch("/inspections/{inspection_id}/marker-checks/{uuid}",
              summary="Edit a marker check (send the version it is based on)")
def patch_marker_check(conn: Conn, actor: Inspector, inspection_id: int, uuid: str,
                       body: dict[str, Any]) -> Any:
    with transaction(conn):
        return jsonable_encoder(field.edit_check(conn, actor, inspection_id, uuid, body))


@router.post("/inspections/{inspection_id}/hazards", summary="Report a hazard on the line")
def post_hazard(conn: Conn, actor: Inspector, inspection_id: int,
                body: dict[str, Any]) -> JSONResponse:
    with transaction(conn):
        stored = field.submit_hazard(conn, actor, inspection_id, body)
    return _json(stored, 200 if stored["duplicate"] else 201)


@router.patch("/inspections/{inspection_id}/hazards/{uuid}",
              summary="Follow a hazard up (send the version it is based on)")
def patch_hazard(conn: Conn, actor: Inspector, inspection_id: int, uuid: str,
                 body: dict[str, Any]) -> Any:
    with transaction(conn):
        return jsonable_encoder(field.follow_up(conn, actor, inspection_id, uuid, body))


@router.post("/inspections/{inspection_id}/sign", summary="Sign the inspection for your side")
def sign(conn: Conn, actor: Inspector, inspection_id: int) -> Any:
    with transaction(conn):
        return jsonable_encoder(inspections.sign(conn, actor, inspection_id))


@router.post("/inspections/{inspection_id}/unsign",
             summary="Withdraw your side's signature (before the other side signs)")
def unsign(conn: Conn, actor: Inspector, inspection_id: int) -> Any:
    with transaction(conn):
        return jsonable_encoder(inspections.unsign(conn, actor, inspection_id))


@router.get("/inspections/{inspection_id}/report", summary="The joint inspection report")
def report(conn: Conn, actor: Inspector, inspection_id: int,
           format: Annotated[str, Query(pattern="^(html|pdf|json)$")] = "html") -> Response:
    from geo.boundaries import report as reports

    inspections.get(conn, inspection_id, actor)
    data = reports.inspection_report(conn, inspection_id)
    if format == "json":
        return _json(data)
    if format == "pdf":
        return Response(reports.render_pdf(data), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="inspection-{inspection_id}.pdf"'})
    return HTMLResponse(reports.render_html(data, map_svg=reports.map_svg(data)))


# ------------------------------------------------------------------ photos

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


@router.put("/attachments/{uuid}", summary="Upload a declared photo (resumable)")
def put_attachment(conn: Conn, actor: Inspector, uuid: str,
                   body: Annotated[bytes, Body(media_type="image/jpeg")],
                   content_range: Annotated[str | None, Header()] = None) -> Any:
    """The whole photo, or a part with ``Content-Range: bytes START-END/TOTAL``; a part at
    the wrong offset answers 409 with ``received`` (resume from there)."""
    offset, total = 0, None
    if content_range:
        m = _RANGE.match(content_range.strip())
        if not m or int(m.group(2)) - int(m.group(1)) + 1 != len(body):
            raise InvalidInput("Content-Range must be 'bytes START-END/TOTAL' matching the body",
                               field="Content-Range")
        offset, total = int(m.group(1)), int(m.group(3))
    with transaction(conn):
        result = field.upload(conn, actor, uuid, body, offset=offset, total=total)
    if "rejected" in result:            # the reset to offset 0 is committed; then 422
        raise InvalidInput(result["rejected"]["detail"], field=result["rejected"]["field"])
    return jsonable_encoder(result)


@router.get("/attachments/{uuid}", summary="Upload state of a photo")
def get_attachment(conn: Conn, actor: Inspector, uuid: str) -> Any:
    return jsonable_encoder(field.attachment(conn, actor, uuid))


@router.get("/attachments/{uuid}/content", summary="The photo")
def get_attachment_content(conn: Conn, actor: Inspector, uuid: str) -> Response:
    data, media = field.photo(conn, actor, uuid)
    return Response(data, media_type=media)
