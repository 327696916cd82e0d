"""Pairing a phone (手机配对, issue 16): ``POST /users/{name}/pairing`` (administrators)
makes a one-time sign-in link and its QR code; ``GET /field/pair/{token}`` (no sign-in)
opens a session on the phone that presents it and sends it to the field app, ``/field/``.

The link's address: ``CIVGEO_PUBLIC_URL`` when it is set to an address other than this
machine (a reverse proxy's public name: what phones reach); otherwise, as by default
(``http://127.0.0.1:8000``, which a phone cannot reach), the address the administrator's
browser used to reach this service, since the phone scans the code on the same network.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from api.deps import SESSION_COOKIE, Admin, Conn
from api.web.pages import page
from geo import pairing, users
from geo.db import transaction

router = APIRouter()
UserName = Annotated[str, Path(min_length=1, max_length=users.NAME_MAX,
                               description="the user's name")]
FIELD_APP = "/field/"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _loopback(url: str) -> bool:
    """The URL names this machine only (127.0.0.0/8, ::1, localhost).

    >>> _loopback("http://127.0.0.1:8000"), _loopback("http://[::1]/"), _loopback("http://localhost")
    (True, True, True)
    >>> _loopback("https://civgeo.example.cn"), _loopback("http://192.168.1.20:8000")
    (False, False)
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def link_base(request: Request) -> str:
    """Where a phone reaches this service (see the module's docstring), without a final /."""
    configured = request.app.state.settings.public_base_url.rstrip("/")
    if configured and not _loopback(configured):
        return configured
    return str(request.base_url).rstrip("/")


@router.post("/users/{name}/pairing", status_code=201, tags=["admin"],
             summary="Pair a phone: a one-time sign-in link as a QR code")
def make_pairing(name: UserName, request: Request, conn: Conn, actor: Admin,
                 response: Response) -> dict:
    """A link that signs a phone in to the field app as the user (an inspector or an
    administrator), once, within ``CIVGEO_PAIRING_MINUTES`` (10); with its QR code as SVG
    (``qr_svg``), to show on the administrator's screen. The user's earlier unused links
    stop working. Only the SHA-256 of the token is stored: the link is shown this once."""
    policy = request.app.state.settings.sessions
    with transaction(conn):
        made = pairing.make(conn, actor, name, policy.pairing_minutes)
    url = f"{link_base(request)}/field/pair/{made.token}"
    response.headers.update(PRIVATE)
    return {"url": url, "expires_at": made.expires_at, "user": made.user,
            "role": made.role, "qr_svg": pairing.qr_svg(url)}


@router.get("/field/pair/{token}", include_in_schema=False)
def use_pairing(token: str, request: Request, conn: Conn) -> Response:
    """Sign the phone in and go to the field app (303), with the same session cookie a
    password sign-in sets; a link used, replaced or expired gets a page saying to ask for
    a new one (410), one that is not ours 404."""
    policy = request.app.state.settings.sessions
    with transaction(conn):
        used = pairing.use(conn, token, policy, user_agent=request.headers.get("user-agent"),
                           address=request.client.host if request.client else None)
    if used.signed is None:
        status = 404 if used.reason == "unknown" else 410
        return page(request, "field_pair.html", status=status, headers=dict(PRIVATE),
                    reason=used.reason, login="/login?next=" + FIELD_APP)
    response = RedirectResponse(FIELD_APP, status_code=303, headers=PRIVATE)
    response.set_cookie(SESSION_COOKIE, used.signed.token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(policy.session_hours * 3600))
    return response

