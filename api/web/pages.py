"""Rendering the staff app's pages: the language, the signed-in user and the CSRF token
go to every template; the ``lang`` switch is remembered in a cookie."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web import i18n
from geo.audit import Actor

LANG_COOKIE_DAYS = 365

N_ = i18n.N_
ROLE_NAMES = {"planner": N_("Planner"), "inspector": N_("Boundary inspector"),
              "names_officer": N_("Place-names officer"),
              "plates_officer": N_("House-number officer"), "admin": N_("Administrator")}
# The desks shown in the header: (key, path, roles or None for everyone, label).
DESKS = [("home", "/app/", None, N_("Home")),
         ("coverage", "/app/coverage", ("planner",), N_("Coverage workbench"))]
# What each role can open in a browser today, on its home page.
LINKS = {
    "planner": [("/app/coverage", N_("Coverage workbench: the 15-minute eldercare circle")),
                ("/ogc/", N_("Layers for GIS (OGC API - Features)"))],
    "names_officer": [("/", N_("Place-name search")),
                      ("/docs", N_("The naming workflow (API)"))],
    "plates_officer": [("/", N_("Place-name and address search")),
                       ("/docs", N_("Roads, plates and campaigns (API)"))],
    "inspector": [("/ogc/", N_("Layers for GIS (OGC API - Features)")),
                  ("/docs", N_("Inspections and patrols (API)"))],
}


def home_of(actor: Actor) -> str:
    """Where a user lands after signing in."""
    return "/app/coverage" if actor.role in ("planner", "admin") else "/app/"


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


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client): HTML accepted before JSON and no
    bearer token."""
    accept = request.headers.get("accept", "")
    return ("text/html" in accept and "authorization" not in request.headers
            and request.method in ("GET", "HEAD"))
