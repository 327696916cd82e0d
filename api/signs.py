"""Place-name signs (地名标志, GB 17733) for names officers (DESIGN §4a): the register of
street, village and compound signs with the plates' lifecycle, QR codes and public reports;
the check of a division (outdated signs, road ends and intersections without a sign, 行政村
without a village sign) and sign campaigns beside the plates' ones."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field, StrictInt

from api.bodies import Body, Code, Line, StrictLat, StrictLon
from api.deps import Conn, require
from api.geojson import GeoJSONResponse, also, collection, json_response, point_features
from api.params import Id, OptionalDivision
from api.plates import CampaignIn, PlateChange
from geo.audit import Actor
from geo.db import transaction
from geo.names import signs
from geo.plates import campaigns, plates, qr

router = APIRouter(tags=["place-name signs (names officer)"])
Officer = Annotated[Actor, Depends(require("names_officer"))]
Kind = Literal["street", "village", "compound"]


class SignIn(Body):
    """A sign to plan (or one already standing, recorded with the text it shows)."""

    name_id: StrictInt = Field(ge=1, le=2**53, description="the standard name it shows")
    lon: StrictLon = Field(description="where it stands (CGCS2000)")
    lat: StrictLat
    kind: Kind | None = Field(None, description="street (街路巷标志), village (村标志) or "
                                                "compound (建筑物、居民区标志); default: by the "
                                                "name's category")
    size: Literal["large", "medium", "small"] | None = None
    road_id: StrictInt | None = Field(None, ge=1, le=2**53,
                                      description="the road a street sign stands on "
                                                  "(default: the nearest road of the name)")
    printed_name: Line | None = Field(None, description="the name as the sign shows it "
                                                        "(default: the standard name)")
    printed_roman: Line | None = Field(None, description="the romanization as the sign "
                                                         "shows it (default: the standard one)")
    token: Code | None = Field(None, description="a QR token already printed (default: new)")


class SignCampaignIn(CampaignIn):
    """A sign campaign: signs at every road end, intersection and 行政村 without one
    (``new``), or replacements of the outdated, damaged and missing signs (``replace``)."""


# ------------------------------------------------------------------ check, gaps, campaigns

@router.get("/signs/check", summary="The signs of a division: outdated ones and gaps")
def check(conn: Conn, actor: Officer,
          division: Annotated[str, Query(max_length=12, description="division code")]
          ) -> JSONResponse:
    """Signs in service by status; the outdated ones with the reasons (renamed, abolished,
    a printed name or romanization that differs from the standard one); every road end and
    intersection with no street sign within ``sign_radius_m``; every 行政村 with no village
    sign."""
    return json_response(signs.check(conn, division))


@router.get("/signs/gaps", response_class=GeoJSONResponse,
            summary="Where a road needs a street sign (GeoJSON points)")
def gaps(conn: Conn, actor: Officer, division: OptionalDivision = None,
         road: Annotated[int | None, Query(ge=1)] = None,
         all_spots: Annotated[bool, Query(alias="all", description="also the spots a sign "
                                          "serves")] = False) -> JSONResponse:
    """The ends and intersections of the roads (of a division or one road), each a point
    on the road with ``why`` (end, intersection), ``crossing`` (the other roads) and the
    sign serving it (``sign_id``, null for a gap)."""
    rows = signs.spots(conn, division=division, road=road)
    shown = rows if all_spots else [r for r in rows if r["sign_id"] is None]
    return collection(point_features(shown, None), spots=len(rows),
                      gaps=sum(r["sign_id"] is None for r in rows))


@router.get("/signs/campaigns", summary="Sign campaigns with their progress")
def list_campaigns(conn: Conn, actor: Officer) -> JSONResponse:
    """Every sign campaign with its signs by status and its progress (installed / active)."""
    return json_response(campaigns.campaigns(conn, subject="signs"))


@router.post("/signs/campaigns", status_code=201,
             summary="A sign campaign: signs for the gaps, or replacements")
def create_campaign(conn: Conn, actor: Officer, body: SignCampaignIn) -> JSONResponse:
    """The campaign and the signs it planned, in one transaction."""
    with transaction(conn):
        return json_response(signs.create_campaign(
            conn, actor, body.model_dump(exclude_unset=True, mode="json")), 201)


@router.get("/signs/campaigns/{campaign_id}", summary="One sign campaign and its signs")
def get_campaign(conn: Conn, actor: Officer, campaign_id: Id) -> JSONResponse:
    """The campaign with its progress and every sign in it."""
    found = campaigns.campaign(conn, campaign_id, subject="signs")
    found["signs"] = signs.list_signs(conn, campaign=campaign_id)
    return json_response(found)


# ------------------------------------------------------------------ signs

@router.get("/signs", response_class=GeoJSONResponse,
            summary="Place-name signs (filter by division, road, kind, status, outdated)")
def list_signs(conn: Conn, actor: Officer, division: OptionalDivision = None,
               road: Annotated[int | None, Query(ge=1)] = None, kind: Kind | None = None,
               status: Annotated[str | None, Query()] = None,
               campaign: Annotated[int | None, Query(ge=1)] = None,
               outdated: Annotated[bool, Query(description="only signs that no longer show "
                                               "their standard name")] = False,
               reported: Annotated[bool, Query(description="only signs with public reports "
                                               "no officer has answered")] = False
               ) -> JSONResponse:
    """Signs as points with the standard name each stands for and why it is outdated."""
    rows = signs.list_signs(conn, division=division, road=road, kind=kind, status=status,
                            campaign=campaign, only_outdated=outdated, reported=reported)
    return collection(point_features(rows))


@router.post("/signs", status_code=201, summary="Plan a sign, or record one standing")
def create_sign(conn: Conn, actor: Officer, body: SignIn) -> JSONResponse:
    """A planned sign with a new QR token, linked to a standard name in force (422 naming
    ``name_id`` otherwise); a sign of the same name already there is 409."""
    with transaction(conn):
        return json_response(signs.create(conn, actor, body.model_dump(exclude_unset=True)),
                             201)


@router.get("/signs/{sign_id}", summary="One sign with its standard name and history")
def get_sign(conn: Conn, actor: Officer, sign_id: Id) -> JSONResponse:
    """The sign, the standard name it stands for today, why it is outdated, and every event
    of its lifecycle."""
    return json_response(signs.get(conn, sign_id))


@router.patch("/signs/{sign_id}", summary="Move a sign along its lifecycle (send version)")
def patch_sign(conn: Conn, actor: Officer, sign_id: Id, body: PlateChange) -> JSONResponse:
    """As for plates: ordered, installed (date, position, photo), damaged, missing,
    replaced (plans a replacement printing the current standard name), removed; revoke or
    reissue the QR token; close public reports with a note."""
    with transaction(conn):
        return json_response(signs.update(conn, actor, sign_id,
                                          body.model_dump(exclude_unset=True, mode="json")))


@router.get("/signs/{sign_id}/qr.svg", summary="The sign's QR code (SVG)",
            responses=also(200, "image/svg+xml"))
def sign_qr_svg(conn: Conn, actor: Officer, sign_id: Id) -> Response:
    """The QR code of the sign's public page, as SVG."""
    return Response(qr.qr_svg(signs.get(conn, sign_id, events=False)["url"]),
                    media_type="image/svg+xml")


@router.get("/signs/{sign_id}/photo", summary="The installation photo",
            responses=also(200, "image/jpeg", "image/png"))
def sign_photo(conn: Conn, actor: Officer, sign_id: Id) -> Response:
    """The photo taken when the sign was installed."""
    signs.get(conn, sign_id, events=False)
    data, media_type = plates.photo(conn, sign_id)
    return Response(data, media_type=media_type)

