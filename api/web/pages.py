"""Rendering the staff app's pages: the language, the signed-in user and the CSRF token
go to every template; the ``lang`` switch is remembered in a cookie."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web import i18n
from geo.audit import Actor
from maps import basemap

LANG_COOKIE_DAYS = 365

N_ = i18n.N_
ROLE_NAMES = {"planner": N_("Planner"), "inspector": N_("Boundary inspector"),
              "names_officer": N_("Place-names officer"),
              "plates_officer": N_("House-number officer"),
              "planning_liaison": N_("Planning liaison"), "admin": N_("Administrator")}
# The desks shown in the header: (key, path, roles or None for everyone, label).
DESKS = [("home", "/app/", None, N_("Home")),
         ("coverage", "/app/coverage", ("planner",), N_("Coverage workbench")),
         ("names", "/app/names", ("names_officer",), N_("Place names")),
         ("plates", "/app/plates", ("plates_officer",), N_("House numbers")),
         ("boundaries", "/app/boundaries", ("inspector",), N_("Boundary inspections")),
         ("plan", "/app/plan", ("planning_liaison",), N_("Place-name plans")),
         ("admin", "/app/admin", ("admin",), N_("Administration"))]
# What each role can open in a browser, on its home page.
LINKS = {
    "planner": [("/app/coverage", N_("Coverage workbench: the 15-minute eldercare circle")),
                ("/ogc/", N_("Layers for GIS (OGC API - Features)"))],
    "names_officer": [("/app/names", N_("Place names: applications, checks, announcements "
                                        "and the register")),
                      ("/", N_("Place-name search"))],
    "plates_officer": [("/app/plates", N_("House numbers: roads, numbering, plates, public "
                                          "reports and campaigns")),
                       ("/", N_("Place-name and address search"))],
    "inspector": [("/app/boundaries", N_("Boundary inspections: lines, markers, the five-year "
                                         "plan and reports")),
                  ("/field/", N_("The field app on your phone: patrols, marker checks, hazards "
                                 "and photos, offline")),
                  ("/ogc/", N_("Layers for GIS (OGC API - Features)"))],
    "planning_liaison": [("/app/plan", N_("Place-name plans: search the reserved names and "
                                          "request one for a planned road or area before the "
                                          "project is approved")),
                         ("/", N_("Place-name search"))],
    "admin": [("/app/admin", N_("Administration: users, teams and the audit log"))],
}

# Each role's desk, where it lands after signing in.
HOMES = {"planner": "/app/coverage", "names_officer": "/app/names",
         "plates_officer": "/app/plates", "inspector": "/app/boundaries",
         "planning_liaison": "/app/plan", "admin": "/app/admin"}


def home_of(actor: Actor) -> str:
    """Where a user lands after signing in."""
    return HOMES.get(actor.role, "/app/")


def switch_url(request: Request, locale: str) -> str:
    """The current page in another language."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*params, ("lang", locale)])


def page(request: Request, template: str, *, status: int = 200, actor: Actor | None = None,
         headers: dict[str, str] | None = None, **context) -> HTMLResponse:
    """A page of the app in the request's language."""
    locale = i18n.locale_of(request)
    session = getattr(request.state, "session", None)
    if actor is None and session is not None:
        actor = session.actor
    desks = [d for d in DESKS if actor is not None and
             (d[2] is None or actor.role == "admin" or actor.role in d[2])]
    html = i18n.render(locale, template, request=request, actor=actor, desks=desks,
                       role_names=ROLE_NAMES,
                       csrf=session.csrf if session is not None else None,
                       other_lang="en" if locale == "zh" else "zh",
                       switch=switch_url(request, "en" if locale == "zh" else "zh"),
                       path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    response.headers["Content-Language"] = i18n.HTML_LANG[locale]
    response.headers.setdefault("Cache-Control", "no-store")
    if request.query_params.get("lang") in i18n.LOCALES:
        response.set_cookie(i18n.COOKIE, locale, max_age=LANG_COOKIE_DAYS * 86400,
                            samesite="lax", secure=request.url.scheme == "https")
    return response


# What every desk's script shows whatever the desk (desk.js).
COMMON_MESSAGES = {
    "loading": N_("Loading…"),
    "failed": N_("Could not load: %(detail)s"),
    "session_ended": N_("Your session has ended. Sign in again."),
    "copied": N_("Copied"),
}


def desk_page(request: Request, template: str, *, actor: Actor,
              messages: dict[str, str] | None = None, boot: dict | None = None,
              status: int = 200, **context) -> HTMLResponse:
    """A page of an officer's desk (``desk_base.html``): ``messages`` (key -> msgid) are
    translated into the boot data its script reads with ``civgeo.t``, beside the language
    and where the basemap's tiles are; ``boot`` adds page data."""
    locale = i18n.locale_of(request)
    tiles = request.app.state.settings.maps.tiles_url
    data = {"lang": locale, "basemap": basemap.options(tiles),
            "messages": {k: i18n.gettext(locale, v)
                         for k, v in {**COMMON_MESSAGES, **(messages or {})}.items()},
            **(boot or {})}
    text = json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/")
    return page(request, template, actor=actor, status=status, boot=text, **context)


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client): HTML accepted before JSON and no
    bearer token."""
    accept = request.headers.get("accept", "")
    return ("text/html" in accept and "authorization" not in request.headers
            and request.method in ("GET", "HEAD"))
