"""Request bodies shared by the routers, as pydantic models: each field named, typed and
described in OpenAPI (``/docs``). The domain checks every rule again and names the field at
fault, so these models say what a body looks like and accept what the domain accepts (a
number where text is expected, as the domain reads it); unknown fields are refused.

``schema_ref`` names a model for a route that reads its body itself (the patrol upload,
which also takes GPX and GeoJSON files): ``add_schemas`` puts such models into the OpenAPI
components."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from geo.text import CODE_MAX, LINE_MAX, MEMBERS_MAX, NAME_MAX, NOTE_MAX

Uuid = Annotated[str, Field(description="made by the client (RFC 4122), the record's key for "
                                        "idempotent sync", examples=[
                                            "8a1f2c3e-1b2c-4d5e-9f00-112233445566"])]
Lon = Annotated[float, Field(description="longitude, CGCS2000 (= WGS84)")]
Lat = Annotated[float, Field(description="latitude, CGCS2000 (= WGS84)")]
# Where the domain takes only JSON numbers (not true, not "113.1") for a position.
StrictLon = Annotated[StrictFloat, Field(description="longitude, CGCS2000 (= WGS84)")]
StrictLat = Annotated[StrictFloat, Field(description="latitude, CGCS2000 (= WGS84)")]
Time = Annotated[str, Field(description="ISO 8601; Beijing time when it has no zone",
                            examples=["2026-10-12T10:00:00+08:00"])]
Version = Annotated[StrictInt, Field(ge=1, le=2**31 - 1,
                                     description="the version the change is based on (409 "
                                                 "when it is stale)")]
_REGISTERED: list[type[BaseModel]] = []


# Text by kind, with the limits of ``geo.text`` (any other text field: NOTE_MAX).
Name = Annotated[str, Field(max_length=NAME_MAX)]
Code = Annotated[str, Field(max_length=CODE_MAX)]
Line = Annotated[str, Field(max_length=LINE_MAX)]


class Body(BaseModel):
    """A request body: unknown fields are an error (a typo should not pass unnoticed); text
    is at most NOTE_MAX characters unless its field says less (control characters are
    refused before, by ``api.boundary``); numbers are finite."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True,
                              str_max_length=NOTE_MAX, allow_inf_nan=False)


def schema_ref(model: type[BaseModel]) -> dict:
    """A ``$ref`` to ``model`` for ``openapi_extra``; the model is added to the components."""
    _REGISTERED.append(model)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def add_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the models named by ``schema_ref`` (and the models they use) into ``openapi``."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for model in _REGISTERED:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas.setdefault(model.__name__, schema)
    return openapi


# ------------------------------------------------------------------ field records

class PhotoIn(Body):
    """A photo declared by its record; its bytes follow with ``PUT /attachments/{uuid}``."""

    uuid: Uuid
    sha256: str = Field(pattern="^[0-9a-fA-F]{64}$", description="of the whole file")
    size: StrictInt = Field(gt=0, description="bytes")
    media_type: Line | None = Field(None, description="image/jpeg (default), image/png, "
                                                     "image/webp or image/heic")


Condition = Literal["intact", "damaged", "lost", "displaced", "reference_incomplete",
                    "threatened"]


class MarkerCheckIn(Body):
    """A marker check (界桩检查): its condition and measured position."""

    uuid: Uuid
    marker: Code | Annotated[int, Field(ge=1, le=2**53)] | None = Field(
        None, description="the marker's number (界桩编号) or id")
    marker_no: Code | None = Field(None, description="the same as marker, by its other name")
    patrol_uuid: Uuid | None = Field(None, description="the patrol it was made on, if any")
    condition: Condition
    lon: Lon | None = Field(None, description="measured position; required unless lost")
    lat: Lat | None = None
    accuracy_m: float | None = Field(None, ge=0, lt=1e5, description="accuracy of the fix "
                                     "behind lon/lat, metres")
    checked_at: Time
    note: str | None = None
    photos: list[PhotoIn] | None = None


class MarkerCheckEdit(Body):
    """A change to a marker check, based on the version read."""

    version: Version
    condition: Condition | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    note: str | None = None


class HazardIn(Body):
    """A hazard on the line (隐患): construction across it, damage, a dispute, mining…"""

    uuid: Uuid
    kind: Literal["construction", "damage", "dispute", "mining", "other"]
    description: str = Field(min_length=1)
    lon: Lon
    lat: Lat
    accuracy_m: float | None = Field(None, ge=0, lt=1e5, description="accuracy of the fix "
                                     "behind lon/lat, metres")
    reported_at: Time
    photos: list[PhotoIn] | None = None


class FollowUpIn(Body):
    """A follow-up of a hazard, based on the version read."""

    version: Version
    note: str = Field(min_length=1)
    status: Literal["open", "in_progress", "closed"] | None = None


class TrackIn(Body):
    """A patrol's GPS track: a GPX file as text, or GeoJSON."""

    format: str | None = Field(None, description="gpx or geojson (default: told by the "
                                                 "content)")
    data: Annotated[str, Field(max_length=50 * 1024 * 1024)] | dict[str, Any] = Field(
        description="the GPX text, or a GeoJSON object")


class GapIn(Body):
    """A gap in the recording the field app knows of (断点): the track breaks between the
    last fix at or before ``start`` and the first fix at or after ``end``."""

    start: Time
    end: Time
    cause: Literal["screen_off", "app_closed", "no_fix", "paused", "other"] = Field(
        description="熄屏 screen off, 应用被关闭 app closed, 无定位信号 no fix, 暂停 "
                    "paused, 其他 other")


class PatrolIn(Body):
    """A patrol (巡线) with what was recorded on it, stored all or nothing. The track may
    come in segments (GPX trkseg; GeoJSON MultiLineString parts, times nested per part in
    ``properties.coordTimes``): no straight piece joins two segments."""

    uuid: Uuid
    members: list[Name] | None = Field(None, max_length=MEMBERS_MAX,
                                       description="who walked the line")
    notes: str | None = None
    track: TrackIn
    gaps: list[GapIn] | None = Field(None, description="gaps the app knows of; each breaks "
                                                       "the track and gives its cause")
    marker_checks: list[MarkerCheckIn] | None = None
    hazards: list[HazardIn] | None = None
    photos: list[PhotoIn] | None = None


class InspectionIn(Body):
    """A joint inspection (联检) to plan."""

    line: Annotated[int, Field(ge=1, le=2**53)] | Name = Field(
        description="line id, name (株衡线) or number")
    year: StrictInt = Field(ge=1990, le=2100)
    kind: Literal["regular", "ad_hoc"] = "regular"
    reason: str | None = Field(None, description="required for ad_hoc")
    lead_code: Code | None = Field(None, description="the lead side's division code (default: "
                                                    "swapped from the last round)")
    lead_team: Name | None = Field(None, description="the lead side's team (name)")
    support_team: Name | None = Field(None, description="the supporting side's team (name)")
