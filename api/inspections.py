"""Joint inspections for inspection teams (DESIGN §4a): plan, patrols, marker checks, hazards,
photos, sign-off and the joint report. Field records are idempotent by the client's UUID
(``geo.boundaries.sync``); an inspector reads and writes only its teams' inspections."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.bodies import (
    FollowUpIn,
    HazardIn,
    InspectionIn,
    MarkerCheckEdit,
    MarkerCheckIn,
    PatrolIn,
    schema_ref,
)
from api.deps import Conn, SentJson, require
from api.geojson import also, json_response
from api.params import ClientUuid, Id, OptionalDivision
from api.printing import PRINTED, printable
from geo.audit import Actor
from geo.boundaries import attachments, inspections, patrols, report
from geo.db import transaction
from geo.errors import InvalidInput
from maps import inspection_report as printed

router = APIRouter(tags=["inspections (inspector)"])
Inspector = Annotated[Actor, Depends(require("inspector"))]
MAX_TRACK_BYTES = 50 * 1024 * 1024
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


DUPLICATE = also(200, "application/json", description="received before with the same "
                                                    "content (duplicate: true)")


def _stored(record: dict) -> JSONResponse:
    """201 for a new field record, 200 for one received before (``duplicate``)."""
    return json_response(record, 200 if record["duplicate"] else 201)


@router.get("/inspections", summary="Inspections assigned to your teams")
def list_inspections(conn: Conn, actor: Inspector,
                     line: Annotated[int | None, Query(description="line id")] = None
                     ) -> JSONResponse:
    """The inspections your teams take part in (every one for an admin), newest first."""
    return json_response(inspections.list_for(conn, actor, line))


@router.get("/inspections/plan", summary="Lines due or overdue for their joint inspection")
def inspection_plan(conn: Conn, actor: Inspector, division: OptionalDivision = None,
                    year: Annotated[int | None, Query(ge=1990, le=2100,
                                                      description="default: this year")]
                    = None) -> JSONResponse:
    """Each line's last regular inspection, the year it is due (every five years) and the
    lead side of the next round (swapped from the last)."""
    return json_response(inspections.plan_for(conn, actor, year or dt.date.today().year,
                                              division))


@router.post("/inspections", status_code=201, summary="Plan an inspection of a line")
def create_inspection(conn: Conn, actor: Inspector, body: InspectionIn) -> JSONResponse:
    """A regular (five-yearly) or ad hoc inspection of a line; an inspector must be on the
    lead or the supporting team."""
    with transaction(conn):
        created = inspections.create(conn, actor, body.line, body.year, kind=body.kind,
                                     reason=body.reason, lead_code=body.lead_code,
                                     lead_team=body.lead_team, support_team=body.support_team)
    return json_response(created, 201)


@router.get("/inspections/{inspection_id}", summary="One inspection")
def get_inspection(conn: Conn, actor: Inspector, inspection_id: Id) -> JSONResponse:
    """The inspection with its line, sides, teams, status and version, and ``patrolled``:
    the share of the line patrolled so far (``{share (0–1), patrolled_m, line_length_m,
    patrols, gaps}``, gaps in the tracks not counted)."""
    return json_response(inspections.get_with_share(conn, inspection_id, actor))


@router.post("/inspections/{inspection_id}/patrols", summary="Upload a patrol (idempotent)",
             status_code=201, responses=DUPLICATE,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": schema_ref(PatrolIn)},
                 "application/gpx+xml": {"schema": {"type": "string", "format": "binary"}},
                 "application/geo+json": {"schema": {
                     "type": "object", "required": ["type"],
                     "description": "a GeoJSON LineString, MultiLineString, Feature or "
                                    "FeatureCollection, times in properties.coordTimes",
                     "properties": {"type": {"type": "string"}}}}}}})
async def post_patrol(
    conn: Conn, actor: Inspector, inspection_id: Id, request: Request,
    uuid: Annotated[str | None, Query(description="the patrol's UUID, with a GPX or GeoJSON "
                                                  "body")] = None,
    members: Annotated[str | None, Query(description="comma-separated, with a GPX or "
                                                     "GeoJSON body")] = None,
) -> JSONResponse:
    """A patrol as JSON (``PatrolIn``: track, marker checks, hazards and photo declarations,
    all or nothing), or a GPX / GeoJSON file as the body with ``?uuid=`` (``Content-Type:
    application/gpx+xml`` or ``application/geo+json``). 201 when stored; 200 with
    ``duplicate: true`` when this UUID was already received with the same content; 409 when
    with other content. The same track under another UUID answers 200 with the first
    patrol, ``duplicate: true`` and ``same_track_as`` (409 naming ``track`` if the record
    carries marker checks, hazards or photos). Every answer has ``patrolled`` (this
    patrol's share of the line, with its ``gaps``) and ``inspection_patrolled`` (the
    inspection's so far); gaps in a track never count as patrolled."""
    body = await request.body()      # raw: a GeoJSON track is not parsed as the record
    if len(body) > MAX_TRACK_BYTES:
        raise InvalidInput("the upload is larger than 50 MB", field="track")
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    raw, fmt = None, None
    if kind == "application/json":
        record = _patrol_record(body)
    else:
        record = {"uuid": uuid, "members": [m for m in (members or "").split(",") if m]}
        raw = body
        fmt = "gpx" if "gpx" in kind or "xml" in kind else "geojson" if "json" in kind else None

    def store() -> dict:
        with transaction(conn):
            return patrols.submit_patrol(conn, actor, inspection_id, record, track_bytes=raw,
                                         track_format=fmt)

    return _stored(await run_in_threadpool(store))


def _patrol_record(body: bytes) -> dict:
    """The JSON patrol as sent (hashed so for idempotency), checked against ``PatrolIn``
    (422 naming the field, as for any body)."""
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}", field="body") from None
    try:
        PatrolIn.model_validate(parsed)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    return parsed


@router.post("/inspections/{inspection_id}/marker-checks", summary="Record a marker check",
             status_code=201, responses=DUPLICATE)
def post_marker_check(conn: Conn, actor: Inspector, inspection_id: Id, body: MarkerCheckIn,
                      sent: SentJson) -> JSONResponse:
    """A marker's condition and measured position; the answer has the displacement from the
    registered position, the required action (DOMAIN §D) and warnings. Idempotent by UUID."""
    with transaction(conn):
        return _stored(patrols.submit_check(conn, actor, inspection_id, sent))


@router.patch("/inspections/{inspection_id}/marker-checks/{uuid}",
              summary="Edit a marker check (send the version it is based on)")
def patch_marker_check(conn: Conn, actor: Inspector, inspection_id: Id, uuid: ClientUuid,
                       body: MarkerCheckEdit, sent: SentJson) -> JSONResponse:
    """Change a check's condition, position or note; a stale version answers 409 with both
    versions."""
    with transaction(conn):
        return json_response(patrols.edit_check(conn, actor, inspection_id, uuid, sent))


@router.post("/inspections/{inspection_id}/hazards", summary="Report a hazard on the line",
             status_code=201, responses=DUPLICATE)
def post_hazard(conn: Conn, actor: Inspector, inspection_id: Id, body: HazardIn,
                sent: SentJson) -> JSONResponse:
    """Construction across the line, damage, a dispute, mining…, with its position and
    photos, to follow up. Idempotent by UUID."""
    with transaction(conn):
        return _stored(patrols.submit_hazard(conn, actor, inspection_id, sent))


@router.patch("/inspections/{inspection_id}/hazards/{uuid}",
              summary="Follow a hazard up (send the version it is based on)")
def patch_hazard(conn: Conn, actor: Inspector, inspection_id: Id, uuid: ClientUuid,
                 body: FollowUpIn, sent: SentJson) -> JSONResponse:
    """A follow-up note and, if it changed, the hazard's status."""
    with transaction(conn):
        return json_response(patrols.follow_up(conn, actor, inspection_id, uuid, sent))


@router.post("/inspections/{inspection_id}/sign", summary="Sign the inspection for your side")
def sign(conn: Conn, actor: Inspector, inspection_id: Id) -> JSONResponse:
    """Your side's signature; once both sides have signed, the inspection is frozen."""
    with transaction(conn):
        return json_response(inspections.sign(conn, actor, inspection_id))


@router.post("/inspections/{inspection_id}/unsign",
             summary="Withdraw your side's signature (before the other side signs)")
def unsign(conn: Conn, actor: Inspector, inspection_id: Id) -> JSONResponse:
    """Take your side's signature back, to correct what it signed."""
    with transaction(conn):
        return json_response(inspections.unsign(conn, actor, inspection_id))


@router.get("/inspections/{inspection_id}/report", summary="The joint inspection report",
            responses=PRINTED)
async def inspection_report(
    request: Request, inspection_id: Id,
    actor: Annotated[Actor, Depends(require("inspector", hold=False))],
    format: Annotated[Literal["html", "pdf", "json"], Query()] = "html",
) -> Response:
    """The 联合检查报告: the line, the inspection, completion (markers checked, patrolled
    share), a map, patrols, markers with the action each needs, hazards and signatures; a
    DRAFT until both sides have signed. The connection goes back before the PDF prints."""
    return await printable(
        request, lambda conn: report.inspection_report(conn, inspection_id, actor),
        format=format, html=printed.render_html, pdf=printed.render_pdf,
        filename=f"inspection-{inspection_id}")


# ------------------------------------------------------------------ photos

@router.put("/attachments/{uuid}", summary="Upload a declared photo (resumable)")
def put_attachment(conn: Conn, actor: Inspector, uuid: ClientUuid,
                   body: Annotated[bytes, Body(media_type="image/jpeg")],
                   content_range: Annotated[str | None, Header()] = None) -> JSONResponse:
    """The whole photo, or a part with ``Content-Range: bytes START-END/TOTAL``; a part at
    the wrong offset answers 409 with ``received`` (resume from there). A finished photo
    whose bytes do not match its SHA-256 or are no image answers 422 and starts again
    from 0."""
    offset, total = _content_range(content_range, len(body))
    with transaction(conn):
        done = attachments.upload(conn, actor, uuid, body, offset=offset, total=total)
    if done.rejected:                   # the reset to offset 0 is kept
        raise InvalidInput(done.rejected.detail, field=done.rejected.field)
    return json_response({**done.attachment, "duplicate": done.duplicate})


def _content_range(header: str | None, length: int) -> tuple[int, int | None]:
    """(offset, total) from ``Content-Range: bytes START-END/TOTAL``; (0, None) without."""
    if not header:
        return 0, None
    m = _RANGE.match(header.strip())
    if not m or int(m.group(2)) - int(m.group(1)) + 1 != length:
        raise InvalidInput("Content-Range must be 'bytes START-END/TOTAL' matching the body",
                           field="Content-Range")
    return int(m.group(1)), int(m.group(3))


@router.get("/attachments/{uuid}", summary="Upload state of a photo")
def get_attachment(conn: Conn, actor: Inspector, uuid: ClientUuid) -> JSONResponse:
    """Bytes received of the declared size, and whether the photo is complete."""
    return json_response(attachments.attachment(conn, actor, uuid))


@router.get("/attachments/{uuid}/content", summary="The photo",
            responses=also(200, "image/jpeg", "image/png", "image/webp", "image/heic"))
def get_attachment_content(conn: Conn, actor: Inspector, uuid: ClientUuid) -> Response:
    """The photo's bytes, once complete."""
    data, media = attachments.photo(conn, actor, uuid)
    return Response(data, media_type=media)
