"""House-number plates for plates officers (DESIGN §4a): plates and their lifecycle, QR
codes, installation photos, and campaigns with their printable QR sheets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field, StrictInt

from api.bodies import Body, Code, Line, StrictLat, StrictLon, Version
from api.deps import Conn, require
from api.geojson import GeoJSONResponse, also, collection, json_response, point_features
from api.params import FormatRenamed, Id, paging
from api.printing import PRINTED, printable
from geo.audit import Actor
from geo.db import transaction
from geo.plates import campaigns, plates, qr
from maps import plate_sheet

router = APIRouter(tags=["plates (plates officer)"])
Officer = Annotated[Actor, Depends(require("plates_officer"))]
Paged = paging(100, 10_000)
Kind = Literal["door", "building", "unit"]
Size = Literal["large", "medium", "small"]


class PlateIn(Body):
    """A plate to plan: a door plate (门牌), a building plate (楼牌) or a unit plate (单元牌)."""

    entrance_id: StrictInt = Field(ge=1, le=2**53, description="the numbered door it is for")
    kind: Kind = "door"
    size: Size | None = Field(None, description="default: medium for doors, small otherwise")
    building: Annotated[int, Field(ge=0, le=99_999)] | Code | None = Field(
        None, description="building number, for building and unit plates")
    unit: StrictInt | None = Field(None, ge=0, le=9_999,
                                   description="unit number, for unit plates")
    token: Code | None = Field(None, description="a QR token already printed (default: new)")


class PlateChange(Body):
    """A step of a plate's lifecycle, based on the version read: ``status`` (ordered;
    installed with its date, position and photo; damaged; missing; replaced, which plans a
    replacement; removed), ``revoke`` / ``reissue`` its QR token, or ``close_reports``
    (answer the public reports waiting on it, with a ``note`` saying what was done). A
    ``note`` alone is kept as the officer's note (it answers no report)."""

    version: Version
    status: Literal["planned", "ordered", "installed", "damaged", "missing", "replaced",
                    "removed"] | None = None
    installed_on: dt.date | None = Field(None, description="with status installed")
    lon: StrictLon | None = Field(None, description="where it was installed")
    lat: StrictLat | None = None
    photo: str | None = Field(None, max_length=16 * 1024 * 1024,
                              description="base64 JPEG or PNG of the installed plate")
    note: str | None = Field(None, max_length=500)
    revoke: bool | Line | None = Field(None, description="withdraw the QR token (a reason)")
    reissue: bool | None = Field(None, description="a new QR token for the plate")
    close_reports: bool | None = Field(
        None, description="answer the public reports waiting on the plate (needs a note; "
                          "409 when none waits)")


class CampaignIn(Body):
    """A campaign: plates for the numbered doors that have none (``new``) or replacements of
    the damaged and missing plates (``replace``), on some roads or in a division."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["new", "replace"]
    roads: list[Annotated[StrictInt, Field(ge=1, le=2**53)]] | None = Field(
        None, max_length=10_000, description="road ids")
    division: Code | None = Field(None, description="division code")
    due_on: dt.date | None = None
    size: Size | None = None
    note: str | None = None


# ------------------------------------------------------------------ campaigns (before /plates/{id})

@router.get("/plates/campaigns", summary="Plate campaigns with their progress")
def list_campaigns(conn: Conn, actor: Officer) -> JSONResponse:
    """Every campaign with its plates by status and its progress (installed / active)."""
    return json_response(campaigns.campaigns(conn))


@router.post("/plates/campaigns", status_code=201,
             summary="A campaign: plates for new roads, or replacements for broken ones")
def create_campaign(conn: Conn, actor: Officer, body: CampaignIn) -> JSONResponse:
    """The campaign and the plates it planned, all in one transaction."""
    with transaction(conn):
        return json_response(campaigns.create_campaign(
            conn, actor, body.model_dump(exclude_unset=True, mode="json")), 201)


@router.get("/plates/campaigns/{campaign_id}", summary="One campaign, its progress and plates")
def get_campaign(conn: Conn, actor: Officer, campaign_id: Id) -> JSONResponse:
    """The campaign with its progress and every plate in it."""
    return json_response(campaigns.campaign(conn, campaign_id, with_plates=True))


@router.get("/plates/campaigns/{campaign_id}/sheet", response_class=HTMLResponse,
            responses=PRINTED,
            summary="The campaign's QR plate sheet to print (HTML, or PDF with format=pdf)",
            dependencies=[FormatRenamed])
async def campaign_sheet(
    request: Request, campaign_id: Id,
    actor: Annotated[Actor, Depends(require("plates_officer", hold=False))],
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """Every plate of the campaign drawn to scale with its QR code and standard address, to
    check before ordering. The connection goes back before the PDF prints."""
    return await printable(request, lambda conn: campaigns.sheet(conn, campaign_id),
                           format=format, html=plate_sheet.campaign_html,
                           pdf=plate_sheet.campaign_pdf, filename=f"campaign-{campaign_id}")


# ------------------------------------------------------------------ plates

@router.get("/plates", response_class=GeoJSONResponse,
            summary="Plates (filter by status, road, campaign)")
def list_plates(request: Request, conn: Conn, actor: Officer, page: Paged,
                status: Annotated[str | None, Query()] = None,
                road: Annotated[int | None, Query()] = None,
                campaign: Annotated[int | None, Query()] = None,
                reported: Annotated[bool, Query(description="only plates with public "
                                                "reports no officer has acted on")] = False
                ) -> JSONResponse:
    """Plates as points at their door, with status, token and address, paged."""
    rows, total = plates.list_plates(conn, status=status, road=road, campaign=campaign,
                                     reported=reported, limit=page.limit, offset=page.offset)
    return collection(point_features(rows), request=request, page=page, matched=total)


@router.post("/plates", status_code=201, summary="Plan a plate for a door, building or unit")
def create_plate(conn: Conn, actor: Officer, body: PlateIn) -> JSONResponse:
    """A planned plate with a new QR token; one active plate per place (409 otherwise)."""
    with transaction(conn):
        return json_response(plates.create(conn, actor, body.model_dump(exclude_unset=True)),
                             201)


@router.get("/plates/{plate_id}", summary="One plate with its history and address")
def get_plate(conn: Conn, actor: Officer, plate_id: Id) -> JSONResponse:
    """The plate, its standard address, what it shows if printed before a change, and every
    event of its lifecycle."""
    return json_response(plates.get(conn, plate_id))


@router.patch("/plates/{plate_id}", summary="Move a plate along its lifecycle (send version)")
def patch_plate(conn: Conn, actor: Officer, plate_id: Id, body: PlateChange) -> JSONResponse:
    """The plate after the step (with its replacement when it was replaced); a stale
    version, a step the lifecycle does not allow or closing reports when none waits
    answers 409."""
    with transaction(conn):
        return json_response(plates.update(conn, actor, plate_id,
                                           body.model_dump(exclude_unset=True, mode="json")))


@router.get("/plates/{plate_id}/qr.svg", summary="The plate's QR code (SVG)",
            responses=also(200, "image/svg+xml"))
def plate_qr_svg(conn: Conn, actor: Officer, plate_id: Id) -> Response:
    """The QR code of the plate's public page, as SVG."""
    return Response(qr.qr_svg(plates.get(conn, plate_id, events=False)["url"]),
                    media_type="image/svg+xml")


@router.get("/plates/{plate_id}/qr.png", summary="The plate's QR code (PNG)",
            responses=also(200, "image/png"))
def plate_qr_png(conn: Conn, actor: Officer, plate_id: Id) -> Response:
    """The QR code of the plate's public page, as PNG."""
    return Response(qr.qr_png(plates.get(conn, plate_id, events=False)["url"]),
                    media_type="image/png")


@router.get("/plates/{plate_id}/photo", summary="The installation photo",
            responses=also(200, "image/jpeg", "image/png"))
def plate_photo(conn: Conn, actor: Officer, plate_id: Id) -> Response:
    """The photo taken when the plate was installed."""
    data, media_type = plates.photo(conn, plate_id)
    return Response(data, media_type=media_type)
