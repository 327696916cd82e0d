"""Language (DESIGN §5b): Simplified Chinese first, English by switch.

Every string a person reads is written once, in English, in a template (``{% trans %}``,
``_()``) or in Python marked with ``N_()``, and translated by the catalogs under
``locale/zh/LC_MESSAGES/*.po`` (one file per part of the app, merged). The catalogs are
compiled in memory when first used: no build step. English needs no catalog: the msgids
are English.

The language of a request: the ``lang`` query parameter (which the switch link sets and
remembers in a cookie), then the ``civgeo_lang`` cookie, then ``Accept-Language``;
Chinese when none says otherwise.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from geo.clock import BEIJING

LOCALES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "civgeo_lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LOCALE_DIR = Path(__file__).with_name("locale")
TEMPLATE_DIRS = [Path(__file__).with_name("templates"), Path(__file__).parent.parent / "templates",
                 Path(__file__).parent.parent / "field" / "templates"]


def N_(message: str) -> str:
    """Mark a string for the catalogs where it is defined; translate it where it is shown."""
    return message


def negotiate(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of a request.

    >>> negotiate(None, None, None), negotiate(None, None, "en-US,en;q=0.9")
    ('zh', 'en')
    >>> negotiate(None, "en", "zh-CN"), negotiate("zh", "en", None)
    ('en', 'zh')
    >>> negotiate(None, None, "fr, en;q=0.5, zh;q=0.8")
    'zh'
    """
    for choice in (query, cookie):
        if choice in LOCALES:
            return choice
    if accept:
        ranked = []
        for i, part in enumerate(accept.split(",")):
            tag, _, params = part.strip().partition(";")
            q = 1.0
            if params.strip().startswith("q="):
                try:
                    q = float(params.strip()[2:])
                except ValueError:
                    q = 0.0
            ranked.append((-q, i, tag.strip().lower().split("-")[0]))
        for _, _, tag in sorted(ranked):
            if tag in LOCALES:
                return tag
    return DEFAULT


def locale_of(request) -> str:
    """The language of a Starlette request (see ``negotiate``)."""
    return negotiate(request.query_params.get("lang"), request.cookies.get(COOKIE),
                     request.headers.get("accept-language"))


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The merged catalogs of ``locale`` (English: the msgids themselves)."""
    if locale == "en":
        return _gettext.NullTranslations()
    merged: Translations | None = None
    for po in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale="zh_Hans_CN" if locale == "zh" else locale)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        part = Translations(buf, domain=po.stem)
        merged = part if merged is None else merged.merge(part)
    return merged or _gettext.NullTranslations()


def gettext(locale: str, message: str, **values) -> str:
    """``message`` in ``locale``, with ``%(name)s`` placeholders filled from ``values``.

    >>> gettext("en", "%(n)s communities", n=3)
    '3 communities'
    """
    text = translations(locale).gettext(message)
    return text % values if values else text


@cache
def environment(locale: str) -> Environment:
    """The Jinja environment of one language (one each, so concurrent requests in two
    languages never share installed translations)."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIRS),
                      autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(locale), newstyle=True)
    env.globals.update(lang=locale, html_lang=HTML_LANG[locale], when=when)
    return env


def when(value: dt.datetime | dt.date | None) -> str:
    """A time as the pages show it, in Beijing time to the minute (a date as it is)."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def render(locale: str, template: str, **context) -> str:
    """A template rendered in ``locale``."""
    return environment(locale).get_template(template).render(**context)
