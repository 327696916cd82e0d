# ruff: noqa: E501  (the message table reads best one message per line)
"""The field app for boundary inspection teams (DESIGN §4a: ``/field/``): an installable web
app (PWA) that records patrols, marker checks, hazards and photos on a phone, offline, and
syncs them through the inspector's API paths (``api/inspections.py``), which are idempotent
by the records' client UUIDs.

Served here: the app shell (a page in the user's language with its messages), the web app
manifest, the service worker (at ``/field/sw.js`` so its scope is ``/field/``), the app's
script and style (``/field/static/``) and ``GET /field/data``, what the phone keeps for offline
work (``geo.boundaries.field``). The shell holds no data and needs no sign-in, so a phone that
has it cached opens it with no network; the data needs the inspector's session."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import Conn, require
from api.geojson import json_response
from api.web import i18n
from api.web.boundaries_desk import ACTIONS, CONDITIONS, GAP_CAUSES, HAZARDS, MARKER_TYPES
from api.web.pages import LANG_COOKIE_DAYS
from geo.audit import Actor
from geo.boundaries import field
from maps import basemap
from maps.assets import folder

router = APIRouter(include_in_schema=False)
N_ = i18n.N_
STATIC = Path(__file__).with_name("static")
Inspector = Annotated[Actor, Depends(require("inspector"))]

# Vendor files the app shell needs offline, served under /static/vendor/.
VENDOR = [("leaflet@1.9.4", "dist/leaflet.js"), ("leaflet@1.9.4", "dist/leaflet.css"),
          ("protomaps-leaflet@5.1.0", "dist/protomaps-leaflet.js"),
          ("idb@8.0.3", "build/umd.js")]

# Every string the app shows, translated on the server into the shell's boot data.
MESSAGES = {
    "app_name": N_("Boundary patrol"),
    "lines": N_("Lines"), "patrol": N_("Patrolling"), "records": N_("Records"), "sync": N_("Sync"),
    "sign_tab": N_("Sign-off"),
    "offline": N_("Offline"), "online": N_("Online"),
    "last_sync": N_("Last synced: %(time)s"), "never_synced": N_("Never synced"),
    "storage_granted": N_("Offline storage: kept (persistent)"),
    "storage_denied": N_("Offline storage: may be cleared by the browser when space runs low"),
    "storage_unknown": N_("Offline storage: unknown"),
    "sign_in_needed": N_("Sign in to load your lines."),
    "sign_in": N_("Sign in"),
    "session_ended": N_("Your session has ended. Your records are kept on this phone; sign in again to sync them."),
    "no_lines": N_("No open inspection is assigned to your teams."),
    "not_loaded": N_("Nothing is stored on this phone yet: connect to the network once and sign in."),
    "line_of": N_("%(left)s – %(right)s"),
    "length_km": N_("%(km)s km"),
    "markers_n": N_("%(n)s markers"),
    "checked_n": N_("%(done)s of %(n)s markers checked"),
    "your_side": N_("Your side: %(side)s"),
    "start_patrol": N_("Start patrol"), "end_patrol": N_("End patrol"),
    "resume_patrol": N_("Continue the patrol"),
    "members": N_("Members (comma-separated)"), "notes": N_("Notes"),
    "patrolled_share": N_("Patrolled: %(share)s"),
    "nearest_marker": N_("Nearest marker %(no)s: %(distance)s m, %(bearing)s"),
    "no_fix_yet": N_("Waiting for a GPS fix…"),
    "accuracy": N_("Accuracy ±%(m)s m"),
    "points_n": N_("%(n)s points"),
    "gaps_n": N_("%(n)s gaps"),
    "gap": N_("Gap: %(minutes)s min, %(metres)s m (%(cause)s)"),
    "wake_lock_on": N_("The screen stays on while recording."),
    "wake_lock_off": N_("This browser cannot keep the screen on: keep it on yourself, or the recording stops."),
    "background_note": N_("A web page cannot record while the screen is off. For an all-day patrol with the screen off, record with a tracker app and import its GPX here."),
    "import_gpx": N_("Import a GPX file"),
    "gpx_imported": N_("GPX imported: %(n)s points."),
    "gpx_failed": N_("Could not read this file: %(detail)s"),
    "patrol_saved": N_("Patrol saved on this phone."),
    "recording": N_("Recording"),
    "location_denied": N_("Location is not allowed for this app: allow it in the browser's settings."),
    "check_marker": N_("Check a marker"), "report_hazard": N_("Report a hazard"),
    "marker": N_("Marker"), "condition": N_("Condition"), "note": N_("Remarks"),
    "marker_needed": N_("Choose the marker you checked."),
    "marker_nearest_first": N_("Marker (nearest first)"),
    "metres": N_("%(m)s m"),
    "recorded_at": N_("Recorded %(time)s"),
    "same_track": N_("The server already had this track (patrol %(id)s): not stored twice"),
    "discard": N_("Discard this record"),
    "discard_confirm": N_("Discard this record from the phone? It has not been accepted by the server."),
    "retry": N_("Send again"),
    "conflict_signed": N_("Refused: %(sides)s has signed this inspection, and what is signed cannot change. Ask that side to withdraw its signature, then send again; or discard the record."),
    "signed_warning": N_("%(sides)s has signed: new records for this inspection are refused until that side withdraws its signature."),
    "sync_done_open": N_("Sync finished; %(n)s records need your attention below."),
    "no_points": N_("No GPS point was recorded: this patrol was not saved."),
    "not_image": N_("This file is not a picture the phone can read."),
    "position_needed_hazard": N_("Record the position: press “Use my position” where the hazard is."),
    "intact_but_far": N_("Recorded as intact, but %(m)s m from the registered position: check it, or record the marker as displaced."),
    "gap_short": N_("Gap %(minutes)s min · %(metres)s m"),
    "confirmed_short": N_("Confirmed %(n)s"),
    "photos": N_("Photos"), "add_photo": N_("Take or add a photo"),
    "remove_photo": N_("Remove this photo"),
    "position": N_("Position"),
    "use_position": N_("Use my position"),
    "position_value": N_("%(lat)s, %(lon)s (±%(acc)s m)"),
    "no_position": N_("No position yet"),
    "displacement": N_("%(m)s m from the registered position"),
    "within_accuracy": N_("within the accuracy of the fix: no position needed for an intact marker"),
    "action": N_("Action required: %(action)s"),
    "save": N_("Save"), "cancel": N_("Cancel"),
    "saved": N_("Saved on this phone; it will be sent when you sync."),
    "position_needed": N_("Record the position: stand at the marker and press “Use my position”."),
    "kind": N_("Kind"), "description": N_("Description"),
    "description_needed": N_("Describe the hazard."),
    "pending": N_("To sync"), "syncing": N_("Syncing"), "synced": N_("Synced"),
    "conflict": N_("Conflict"), "failed_state": N_("Refused"),
    "sync_now": N_("Sync now"),
    "confirmed_n": N_("Confirmed by the server: %(n)s"),
    "queue_n": N_("Waiting on this phone: %(n)s"),
    "photos_progress": N_("Photos: %(done)s of %(n)s uploaded"),
    "server_id": N_("Server id %(id)s"),
    "kind_patrol": N_("Patrol"), "kind_check": N_("Marker check"), "kind_hazard": N_("Hazard"),
    "kind_edit": N_("Change to a marker check"),
    "conflict_changed": N_("Changed on the server since this phone read it. The server's version is shown; keep it, or apply your change to it."),
    "conflict_content": N_("The server already has this record with other content. Check it; save yours as a new record if it is a different one."),
    "keep_server": N_("Keep the server's version"),
    "apply_mine": N_("Apply my change to it"),
    "save_as_new": N_("Save mine as a new record"),
    "edit": N_("Change"),
    "refused_hint": N_("The server refused this record; correct it and save again."),
    "sync_failed": N_("Sync stopped: %(detail)s. Nothing was lost; it will try again."),
    "sync_done": N_("Sync finished."),
    "sync_offline": N_("No network: the records wait on this phone."),
    "maps_cached": N_("Offline map: %(n)s tiles stored"),
    "maps_caching": N_("Storing the offline map: %(done)s of %(n)s tiles"),
    "sign_title": N_("Sign-off"),
    "summary": N_("Inspection summary"),
    "markers_checked": N_("Markers checked"), "hazards_n": N_("Hazards"),
    "patrols_n": N_("Patrols"), "share_line": N_("Patrolled share of the line"),
    "signature_of": N_("%(side)s: %(state)s"),
    "signed_by": N_("signed by %(name)s, %(time)s"), "not_signed": N_("not signed"),
    "sign": N_("Sign for my side"), "unsign": N_("Withdraw my signature"),
    "sign_confirm": N_("Sign this inspection for your side? What is signed cannot change until the signature is withdrawn."),
    "sign_needs_sync": N_("Sync every record first: the signature covers what is on the server."),
    "sign_needs_network": N_("Signing needs the network."),
    "team_leader_note": N_("The team leader of each side signs after reviewing the summary."),
    "lead": N_("lead side"), "support": N_("supporting side"),
    "choose": N_("Choose…"),
    "all_markers": N_("All markers"),
    "nearest_first": N_("nearest first"),
    "bearing_n": N_("N"), "bearing_ne": N_("NE"), "bearing_e": N_("E"), "bearing_se": N_("SE"),
    "bearing_s": N_("S"), "bearing_sw": N_("SW"), "bearing_w": N_("W"), "bearing_nw": N_("NW"),
    "photo_too_big": N_("This photo cannot be made small enough to send."),
    "language": N_("English"),
    "install": N_("Install on this phone"),
}


def _words(locale: str) -> dict:
    tr = lambda table: {k: i18n.gettext(locale, v) for k, v in table.items()}  # noqa: E731
    return {"conditions": tr(CONDITIONS), "actions": tr(ACTIONS),
            "marker_types": tr(MARKER_TYPES), "hazards": tr(HAZARDS),
            "gap_causes": tr(GAP_CAUSES)}


@cache
def version() -> str:
    """A hash of the app's files: a new version installs a new service worker and cache."""
    h = hashlib.sha256()
    for path in sorted([*STATIC.rglob("*"), *Path(__file__).parent.joinpath("templates").rglob("*")]):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    shared = [Path(i18n.__file__).with_name("static") / "desk.js", Path(basemap.__file__)
              .with_name("templates") / "basemap.js", *sorted(i18n.LOCALE_DIR.rglob("*.po"))]
    for path in shared:           # what the shell takes from the desks and the catalogs
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def shell_urls() -> list[str]:
    """What the service worker stores when it installs: the app works from these alone."""
    v = version()
    return ["/field/", f"/field/static/field.js?v={v}", f"/field/static/field.css?v={v}",
            "/field/manifest.webmanifest", "/field/static/icon-192.png",
            "/field/static/icon-512.png", "/app/basemap.js", "/static/app/desk.js",
            *(f"/static/vendor/{folder(spec)}/{path}" for spec, path in VENDOR)]


@router.get("/field", response_class=RedirectResponse)
def field_root() -> RedirectResponse:
    return RedirectResponse("/field/", status_code=308)


@router.get("/field/", response_class=HTMLResponse)
def shell(request: Request) -> HTMLResponse:
    """The app shell in the user's language. It holds no data and needs no sign-in."""
    locale = i18n.locale_of(request)
    boot = {"lang": locale, "version": version(),
            "basemap": basemap.options(request.app.state.settings.maps.tiles_url),
            "messages": {k: i18n.gettext(locale, v) for k, v in MESSAGES.items()},
            **_words(locale)}
    html = i18n.render(locale, "field.html", version=version(),
                       boot=json.dumps(boot, ensure_ascii=False).replace("</", "<\\/"))
    response = HTMLResponse(html, headers={"Cache-Control": "no-cache",
                                           "Vary": "Accept-Language, Cookie"})
    if request.query_params.get("lang") in i18n.LOCALES:     # the switch is remembered
        response.set_cookie(i18n.COOKIE, locale, max_age=LANG_COOKIE_DAYS * 86400,
                            samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/favicon.ico")
def favicon() -> Response:
    """The app's icon, for browsers that ask for /favicon.ico on any page."""
    return Response(STATIC.joinpath("icon-192.png").read_bytes(), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/field/manifest.webmanifest")
def manifest(request: Request) -> Response:
    """The web app manifest: installable, standalone, portrait, Chinese name first."""
    locale = i18n.locale_of(request)
    name = i18n.gettext(locale, "civgeo boundary patrol")
    body = {"name": name, "short_name": i18n.gettext(locale, "Boundary patrol"),
            "lang": i18n.HTML_LANG[locale], "start_url": "/field/", "scope": "/field/",
            "id": "/field/", "display": "standalone", "orientation": "portrait",
            "background_color": "#ffffff", "theme_color": "#1d5c3a",
            "description": i18n.gettext(locale, "Patrols, marker checks, hazards and photos of boundary inspections, offline."),
            "icons": [{"src": f"/field/static/icon-{n}.png", "sizes": f"{n}x{n}",
                       "type": "image/png", "purpose": "any maskable"} for n in (192, 512)]}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})


@router.get("/field/sw.js")
def service_worker() -> Response:
    """The service worker, with this version and the shell's files written in."""
    script = STATIC.joinpath("sw.js").read_text("utf-8")
    head = (f"const VERSION = {json.dumps(version())};\n"
            f"const SHELL = {json.dumps(shell_urls())};\n"
            f"const TILE_PREFIX = {json.dumps(basemap.TILE_PATH.split('{')[0])};\n")
    return Response(head + script, media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})


@router.get("/field/data", summary="What the field app keeps for offline work")
def data(request: Request, conn: Conn, actor: Inspector) -> JSONResponse:
    """The inspector's open inspections with lines and markers, the settings the phone
    applies, and the session's CSRF token for the phone's writes."""
    session = getattr(request.state, "session", None)
    answer = json_response({**field.bundle(conn, actor),
                            "csrf": session.csrf if session is not None else None})
    answer.headers["Cache-Control"] = "no-store"
    return answer
