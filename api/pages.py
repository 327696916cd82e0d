"""The public HTML pages: the search page for standard names and addresses, the page of one
name (``/names/{id}`` asked for by a browser), and the page a scanned QR plate opens.
Printable pages (registers, reports, QR sheets) are in ``maps``.

Both are in the reader's language (DESIGN §5b: Chinese first, English by the switch link,
``api.web.i18n``); no sign-in is needed."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web import i18n, messages
from api.web.pages import page
from geo.errors import NotFound
from geo.names import public
from maps import basemap

N_ = i18n.N_

# Every string the search page's script shows, translated on the server and handed to it
# as JSON (with the match reasons of ``messages.match_labels``).
SEARCH_MESSAGES = {
    "standard_address": N_("standard address"),
    "standard_names": N_("Standard names"),
    "current_name": N_("now called"),
    "standard": N_("standard name"),
    "historical": N_("historical name"),
    "nothing_found": N_("Nothing found"),
    "proper_generic": N_("Proper name (专名) / generic (通名)"),
    "meaning": N_("Meaning"),
    "origin": N_("Origin"),
    "history": N_("History"),
    "approved": N_("Approved"),
    "former_names": N_("Former names"),
    "back": N_("Back to the results"),
    "loading": N_("Loading…"),
    "failed": N_("Could not load this name. Try again."),
    "has_no": N_("has no"),
    "nearest_numbers": N_("; the nearest numbers it has:"),
    "same_side": N_("same side"),
    "other_side": N_("other side"),
    "nearest_along": N_("nearest where it would stand:"),
}


def search_messages(locale: str) -> dict:
    """The search page script's messages in ``locale``."""
    return {"lang": locale, "match": messages.match_labels(locale),
            **{key: i18n.gettext(locale, msgid) for key, msgid in SEARCH_MESSAGES.items()}}


def search_page(request: Request, *, name: dict | None = None, missing: int | None = None,
                status: int = 200) -> HTMLResponse:
    """The public search page (it calls the JSON API in its language); its small map draws
    civgeo's own basemap from this server's tiles. With ``name`` (``geo.names.public``) it
    opens on that name's detail; with ``missing``, on the notice that no name has that id.
    The page's script swaps the detail of another name in from that name's own page."""
    return page(request, "search.html", status=status, basemap=basemap.page_script(),
                msgs=search_messages(i18n.locale_of(request)), name=name, missing=missing)


def name_page(request: Request, conn, name_id: int) -> HTMLResponse:
    """The page of one name, ``/names/{id}`` for a browser: shareable, whole on first load
    (code, parent divisions, CGCS2000 point, both romanizations, 含义/来历/沿革, former names
    with their dates, a small map); 404 with the search box for an unknown id."""
    try:
        found = public.name_page(conn, name_id)
    except NotFound:
        return search_page(request, missing=name_id, status=404)
    return search_page(request, name=found)


def qr_page(request: Request, found: dict | None, token: str, *, error: str | None = None,
            gone: bool = False, status: int = 200) -> HTMLResponse:
    """What a scanned plate shows (``geo.plates.plates.by_token``), or why it shows nothing
    (an unknown or a withdrawn code, ``error`` in English from the domain, shown in the
    reader's language)."""
    if error is not None:
        error = messages.detail(i18n.locale_of(request), error, status)
    return page(request, "qr_page.html", status=status, page=found, error=error, gone=gone,
                token=token)
