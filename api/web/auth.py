"""Sign-in for browsers (DESIGN §4): ``GET, POST /login``, ``POST /logout``.

The form is protected against login CSRF by a double-submit token (a random cookie that
the form repeats); the session cookie is opaque, ``HttpOnly``, ``SameSite=Lax`` and
``Secure`` over HTTPS. Bearer tokens are unaffected.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import SESSION_COOKIE, borrow
from api.web import i18n
from api.web.pages import home_of, page
from geo import sessions
from geo.clock import BEIJING
from geo.db import transaction

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "civgeo_login"
MAX_FIELD = 256


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path of this site (never another host), else None.

    >>> safe_next("/app/coverage?division=420103"), safe_next("//evil.example/x")
    ('/app/coverage?division=420103', None)
    >>> safe_next("https://evil.example/"), safe_next("/\\\\evil"), safe_next(None)
    (None, None, None)
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _form(request: Request, *, next_url: str | None, error: str | None = None,
          name: str = "", status: int = 200) -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "login.html", status=status, next_url=next_url, error=error,
                    name=name, login_csrf=token)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/login")
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002
    """The sign-in form."""
    return _form(request, next_url=safe_next(next))


@router.post("/login")
async def login(request: Request,
                name: Annotated[str, Form(max_length=MAX_FIELD)] = "",
                password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
                csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
                next: Annotated[str, Form(max_length=2000)] = "") -> Response:  # noqa: A002
    """Check the name and password; on success open a session and go on to ``next``."""
    locale = i18n.locale_of(request)
    target = safe_next(next)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf.encode()):
        return _form(request, next_url=target, name=name, status=403, error=i18n.gettext(
            locale, "The sign-in form has expired. Please try again."))
    policy = request.app.state.settings.sessions
    client = request.client.host if request.client else None
    async with borrow(request) as conn:
        def attempt():
            with transaction(conn):
                return sessions.sign_in(conn, name, password, policy,
                                        user_agent=request.headers.get("user-agent"),
                                        address=client)
        result = await run_in_threadpool(attempt)
    if not result.ok:
        if result.reason == "locked":
            until = result.locked_until.astimezone(BEIJING).strftime("%H:%M")
            error = i18n.gettext(locale, "Too many failed sign-ins: this account is locked "
                                 "until %(time)s. Try again later or ask an administrator.",
                                 time=until)
        else:
            error = i18n.gettext(locale, "The user name or the password is wrong.")
        return _form(request, next_url=target, name=name, status=401, error=error)
    response = RedirectResponse(target or home_of(result.actor), status_code=303)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(policy.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request,
                 csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "") -> Response:
    """Close the session (the form carries the session's CSRF token) and go to /login."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        policy = request.app.state.settings.sessions
        async with borrow(request) as conn:
            def close():
                with transaction(conn):
                    found = sessions.session(conn, cookie, policy)
                    if found is None:
                        return True
                    if not hmac.compare_digest(csrf.encode(), found.csrf.encode()):
                        return False
                    return sessions.sign_out(conn, cookie)
            if not await run_in_threadpool(close):
                from api.deps import CsrfRefused
                raise CsrfRefused("signing out needs the session's CSRF token")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
