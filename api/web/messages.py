"""What the API says to people, in their language (DESIGN §5b): match reasons and the
``detail`` of problems.

An API client gets English unless it asks for Chinese: ``lang=zh`` in the query, the
``civgeo_lang=zh`` cookie (which the pages set), or an ``Accept-Language`` that ranks
``zh`` above ``en`` (``api_locale``). Machine values (a problem's ``type``, ``title``,
``status`` and ``field``; a hit's ``match`` code) never change with the language.

Domain errors are written in English by ``geo`` (which knows nothing of languages), many
with values in them (``f"no division with code {code}"``). ``KNOWN`` lists their forms as
msgids with named placeholders; a detail is matched against each form (the placeholders
match any text) and the catalog's translation is filled with what they matched. A detail
of no known form gets a Chinese lead sentence for its status, naming the field, followed
by the English text (``detail``): never nothing, and the English is still there to read.
"""

from __future__ import annotations

import re
from functools import cache

from api.web import i18n

N_ = i18n.N_

# ------------------------------------------------------------------ the client's language


def api_locale(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of an API answer: English unless the client asks for Chinese.

    >>> api_locale(None, None, None), api_locale(None, None, "fr"), api_locale("zh", None, None)
    ('en', 'en', 'zh')
    >>> api_locale(None, None, "zh-CN,zh;q=0.9,en;q=0.8"), api_locale(None, "zh", "en")
    ('zh', 'zh')
    """
    if query in i18n.LOCALES or cookie in i18n.LOCALES or "zh" in (accept or "").lower():
        return i18n.negotiate(query, cookie, accept)
    return "en"


def locale_of(request) -> str:
    """The language a request's API answer is in (``api_locale``)."""
    return api_locale(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE),
                      request.headers.get("accept-language"))


def gettext(locale: str, message: str, **values) -> str:
    """``i18n.gettext`` with the values made text."""
    return i18n.gettext(locale, message, **{k: str(v) for k, v in values.items()})


# ------------------------------------------------------------------ match reasons

# How a place name matched (``geo.names.search.WHY``), as people read it.
NAME_MATCH = {
    "exact": N_("exact match"),
    "proper": N_("proper name (专名) matches, generic (通名) left out"),
    "prefix": N_("name starts with the query"),
    "contains": N_("name contains the query"),
    "homophone": N_("homophone (same pinyin)"),
    "one_char": N_("one character different"),
    "missing_char": N_("one character missing"),
    "extra_char": N_("one character too many"),
    "doubled_generic": N_("doubled generic written once"),
    "former_name": N_("former name, now another name"),
    "pinyin": N_("pinyin"),
    "proper_pinyin": N_("pinyin of the proper name (专名)"),
    "pinyin_prefix": N_("pinyin, first letters"),
    "initials": N_("pinyin initials"),
    "pinyin_typo": N_("pinyin with one typo"),
    "near": N_("nearby"),
}
TRADITIONAL = N_("traditional characters read as simplified")
# How a standard address matched (``geo.plates.addresses.search``).
ADDRESS_MATCH = {
    "number": N_("road and house number match"),
    "road": N_("a door on this road"),
    "compound": N_("residential compound (小区)"),
}


def match_label(locale: str, match: str, traditional: bool = False,
                labels: dict[str, str] = NAME_MATCH) -> str:
    """How a hit matched, in ``locale``: e.g. 繁体转简体 · 精确匹配."""
    label = gettext(locale, labels.get(match, match))
    return f"{gettext(locale, TRADITIONAL)} · {label}" if traditional else label


def match_labels(locale: str) -> dict[str, str]:
    """Every match label in ``locale`` by code (names', ``address:``-prefixed addresses',
    and ``traditional``): for the scripts of pages."""
    return {**{k: gettext(locale, v) for k, v in NAME_MATCH.items()},
            **{f"address:{k}": gettext(locale, v) for k, v in ADDRESS_MATCH.items()},
            "traditional": gettext(locale, TRADITIONAL)}


# ------------------------------------------------------------------ problem details

# The English details people meet most, as the code writes them: the public lookups
# (names, addresses, QR plates), the shared parameters, the input boundary, the generic
# HTTP and database answers, signing in and roles.
KNOWN = [
    # geo.names.search
    N_("the query is empty"),
    N_("the query is longer than %(n)s characters"),
    N_("the query contains control characters"),
    N_("search with Chinese characters or pinyin letters"),
    N_("category is a numeric category code, e.g. 0801"),
    N_("limit must be from 1 to 100"),
    N_("give a query (q) or a point (near)"),
    N_("bbox must be minLon,minLat,maxLon,maxLat"),
    N_("no place name with id %(id)s"),
    # geo.plausible, geo.divisions, geo.text
    N_("%(field)s: (%(lon)s, %(lat)s) are not finite numbers"),
    N_("%(field)s: (%(lon)s, %(lat)s) lies outside China; longitude and latitude look "
       "swapped (give lon first, then lat)"),
    N_("%(field)s: (%(lon)s, %(lat)s) lies outside China (lon, lat in CGCS2000 degrees)"),
    N_("%(field)s must be a number, not %(value)s"),
    N_("%(field)s must be a finite number, not %(value)s"),
    N_("%(field)s cannot be less than %(minimum)s (%(value)s)"),
    N_("'%(code)s' is not a 6-, 9- or 12-digit division code (e.g. 430202 for 荷塘区)"),
    N_("no division with code %(code)s"),
    N_("%(field)s: at most %(n)s characters, not %(length)s"),
    N_("%(field)s: control characters (U+%(char)s) are not allowed"),
    N_("control characters (U+%(char)s) are not allowed"),
    N_("control characters are not allowed"),
    # geo.plates (addresses, the QR page)
    N_("give an address, e.g. 南京市玄武区中山路18号"),
    N_("an address is at most %(n)s characters"),
    N_("no numbered door within %(radius)s m of %(lon)s, %(lat)s"),
    N_("no door %(id)s"),
    N_("this QR code is not one of ours (malformed token)"),
    N_("no plate has this QR code; it may be mistyped or not ours"),
    N_("this QR code was withdrawn on %(date)s and no longer stands for an address"),
    N_("kind must be damaged or missing"),
    N_("note must be text up to 300 characters"),
    # api.params
    N_("%(field)s must be %(count)s numbers separated by commas, not %(value)s"),
    N_("lon and lat must be finite numbers"),
    N_("the parameter f is now called format: send format=%(value)s"),
    # api.boundary, api.idempotency
    N_("%(field)s: JSON nested deeper than %(n)s levels"),
    N_("body: JSON must be UTF-8"),
    N_("body: not valid JSON (%(error)s)"),
    N_("%(field)s: %(value)s is not a number JSON allows"),
    N_("%(field)s: the number is too large"),
    N_("the body is larger than this route takes (%(n)s MiB)"),
    N_("the client closed the connection before the body ended"),
    N_("Idempotency-Key: 1 to 255 visible ASCII characters"),
    N_("Idempotency-Key: this key was used for another request (another path or body); "
       "use a new key for a new request"),
    N_("the database cannot be reached; send the request again with the same "
       "Idempotency-Key"),
    # api.problems: HTTP and the database
    N_("there is nothing at %(path)s"),
    N_("%(method)s is not allowed on %(path)s"),
    N_("Bad Request"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Not Acceptable"),
    N_("Request Entity Too Large"),
    N_("Content Too Large"),
    N_("Unsupported Media Type"),
    N_("Too Many Requests"),
    N_("Service Unavailable"),
    N_("a record with the same key already exists"),
    N_("the change conflicts with records that exist"),
    N_("a value is out of range or malformed"),
    N_("the query ran past the statement timeout; narrow it down"),
    N_("the database cannot be reached; try again shortly"),
    N_("the database connection was lost; try again shortly"),
    N_("no database connection is free; try again shortly"),
    N_("something went wrong on our side; it has been logged"),
    N_("invalid request"),
    # api.deps: signing in, roles
    N_("send a bearer token: Authorization: Bearer <token>"),
    N_("send a bearer token (Authorization: Bearer <token>) or sign in at /login"),
    N_("the bearer token is unknown or revoked"),
    N_("the session has ended (signed out, expired or revoked); sign in again at /login"),
    N_("this needs the role %(roles)s; %(name)s has the role %(role)s"),
    N_("a request signed in by a session cookie needs the session's CSRF token in the "
       "X-CSRF-Token header"),
    # geo.plates.plates: public reports
    N_("closing public reports needs a note saying what was done about them"),
    N_("plate %(id)s has no public report waiting for an answer"),
    N_("note is empty; leave it out or say something"),
    # geo.names.workflow
    N_("approval needs each warning acknowledged with a reason; not acknowledged: %(codes)s"),
    N_("the application changed since version %(version)s (now %(current)s); reload it"),
    N_("the application was changed by someone else; reload it"),
    N_("cannot %(action)s an application that is %(state)s"),
    N_("the approval date (%(on)s) is in the future: today is %(today)s (Beijing); a name "
       "that comes into force later is approved with effective_on"),
    N_("the filing date (%(on)s) is in the future: today is %(today)s (Beijing); a name "
       "that comes into force later is approved with effective_on"),
    N_("the announcement date (%(on)s) is in the future: today is %(today)s (Beijing); a "
       "name that comes into force later is approved with effective_on"),
    N_("the filing date (%(on)s) is before the approval of %(approved)s"),
    N_("the announcement date (%(on)s) is before the approval of %(approved)s"),
    N_("the name cannot come into force (%(effective)s) before it is approved (%(on)s)"),
    N_("effective_on (%(effective)s) is more than a year after the approval (%(on)s)"),
    N_("%(given)s is not %(filed)s in another script: its simplified form is %(a)s, the "
       "filed name's is %(b)s"),
    # geo.boundaries.teams
    N_("a team named %(name)s exists already"),
    N_("no user named %(name)s"),
    N_("user %(name)s is a %(role)s, not an inspector: only inspectors join inspection teams"),
    N_("user %(name)s is disabled"),
    N_("%(user)s is in team %(team)s already"),
    N_("%(user)s is not in team %(team)s"),
    N_("no inspection team %(id)s"),
    N_("%(code)s is not the code of a current division"),
    N_("the team's division covers both sides: say which (lead or support)"),
    N_("a team needs a name"),
    # geo.users, geo.audit: the administrator's pages
    N_("the two passwords differ"),
    N_("a password has %(min)s to %(max)s characters"),
    N_("a password has no leading or trailing spaces and no control characters"),
    N_("no user called %(name)s"),
    N_("a user called %(name)s already exists"),
    N_("role must be one of %(roles)s"),
    N_("%(name)s is the last administrator; make another user an administrator first"),
    N_("give a new password, or ask for one to be generated (not both)"),
    N_("give a password or ask for one to be generated, not both"),
    N_("a new user needs a password or a token, or it cannot get in"),
    N_("say what to revoke: tokens, sessions or both"),
    N_("the date range ends before it starts"),
    N_("a user needs a name"),
    N_("a user name has at most %(n)s characters"),
    N_("a user name has no slash and no control characters"),
    N_("user %(name)s is a %(role)s: only inspectors and administrators sign in to the "
       "field app"),
    # geo.names.signs and the campaigns of plates and signs
    N_("a campaign named %(name)s exists"),
    N_("every road end, intersection and 行政村 there has its sign"),
    N_("no outdated, damaged or missing sign there waits for a replacement"),
    N_("%(name)s was abolished: remove the sign, there is no name to replace it with"),
    N_("a %(kind)s of %(name)s already stands here; replace it instead"),
    N_("%(name)s is not a standard name in force (%(status)s): a sign shows the current "
       "standard name"),
    N_("%(name)s (category %(category)s) is not a name a %(kind)s shows"),
    N_("a sign needs its position: lon and lat (CGCS2000)"),
    N_("name_id must be the id of the standard name the sign shows"),
    # geo.names.plan: reserved names (地名预留)
    N_("only names officers and planning liaisons reserve names; %(name)s has the role "
       "%(role)s"),
    N_("only a names officer decides on reservations; %(name)s has the role %(role)s"),
    N_("geometry must be a GeoJSON Point, LineString or Polygon (or Multi…) in CGCS2000 "
       "longitude, latitude"),
    N_("the expiry day (%(given)s) is before today (%(today)s, Beijing)"),
    N_("a proposed name of 1 to 50 characters is required"),
    N_("category_code must be a known category"),
    N_("%(key)s is at most %(limit)s characters"),
    N_("the department asking (applicant) is required"),
    N_("%(name)s is already reserved and applied for in the plan of %(division)s "
       "(reservation %(id)s), whose scope overlaps this one's"),
    N_("%(name)s is already reserved in the plan of %(division)s (reservation %(id)s), whose "
       "scope overlaps this one's"),
    N_("%(name)s is already requested in the plan of %(division)s (reservation %(id)s), "
       "whose scope overlaps this one's"),
    N_("%(name)s is already %(state)s in the plan of %(division)s (reservation %(id)s), "
       "whose scope overlaps this one's"),
    N_("%(n)s check(s) block this reservation: %(findings)s"),
    N_("a names officer sets the expiry of a reservation when accepting it"),
    N_("%(value)s is not a day of the calendar (YYYY-MM-DD)"),
    N_("no reservation %(id)s in the place-name plans"),
    N_("state must be one of %(states)s"),
    N_("no action %(action)s; actions: %(actions)s"),
    N_("the reservation changed since version %(version)s (now %(current)s); reload it"),
    N_("cannot %(action)s a reservation that is %(state)s (it lapsed after %(expires)s: "
       "extend it first)"),
    N_("cannot %(action)s a reservation that is %(state)s"),
    N_("declining a request needs the reason"),
    N_("the reservation was changed by someone else; reload it"),
    # geo.names.filing and the filings of geo.names.workflow (建筑物名称备案)
    N_("a building-name filing (建筑物名称备案) takes a building or compound category: "
       "%(categories)s"),
    N_("the filing number %(number)s is already given to application %(application)s"),
    N_("the filing of %(name)s is returned: %(n)s check(s) block it: %(findings)s; correct "
       "it (correct) and submit it again"),
    N_("a building-name filing names a new building or compound, not a current name (no "
       "target_id)"),
    N_("returning a filing needs a note saying what to correct"),
    N_("the filing date (%(on)s) is before the filing was made (%(made)s)"),
    N_("a %(kind)s application has no action %(action)s; its actions: %(actions)s"),
    N_("application %(id)s is a building-name filing (建筑物名称备案): it is filed, not approved, "
       "and has no 备案公告"),
    N_("application %(id)s is %(state)s: its 备案公告 is made when it is approved"),
    # geo.names.importer: a register's rows and file (导入地名录)
    N_("no place-name categories are loaded (civgeo fixtures load loads them)"),
    N_("the standard name is empty"),
    N_("a 销名 needs the day the name ended"),
    N_("a renaming (原名称 %(former)s) needs the day it took effect: 生效日期 or 批准时间"),
    N_("%(key)s is given twice (rows %(first)s and %(row)s)"),
    N_("%(cell)s is not a category code or name civgeo knows (e.g. %(examples)s)"),
    N_("%(cell)s is category %(named)s, but %(column)s says %(code)s: make them agree"),
    N_("the category is empty"),
    N_("no current division is called %(cell)s"),
    N_("%(n)s divisions are called %(cell)s (%(codes)s): give %(column)s or the divisions "
       "above it (株洲市荷塘区)"),
    N_("the division is empty"),
    N_("%(cell)s is not division %(code)s (%(name)s) nor under it"),
    N_("no current division has the code %(code)s"),
    N_("%(cell)s is not a change: 命名, 更名 (with 原名称) or 销名"),
    N_("a 销名 has no 原名称: the name abolished is 标准名称"),
    N_("原名称 is the standard name itself"),
    N_("%(day)s is in the future: the register records names in force (a later name goes "
       "through an application)"),
    N_("%(given)s: a romanization is Latin letters (with tone marks), digits, spaces, "
       "apostrophes and hyphens"),
    N_("neither WKT nor GeoJSON: %(error)s"),
    N_("a %(column)s cell is read in CGCS2000, WGS 84 or GCJ-02 lon/lat, not %(datum)s"),
    # geo.plates.roads
    N_("%(name)s is not a standard name: the gazetteer has no street (街路巷) of this name in "
       "%(division)s. Name the road first: file a naming application (地名申报, POST "
       "/names/applications) and have it approved, then add the road under its standard name"),
    N_("%(name)s is not a standard name: the gazetteer has no street (街路巷) of this name. "
       "Name the road first: file a naming application (地名申报, POST /names/applications) "
       "and have it approved, then add the road under its standard name"),
]

# A detail of no known form: a lead sentence for its status, then the English text.
LEAD = {
    400: N_("The request could not be read: %(detail)s"),
    401: N_("Please sign in: %(detail)s"),
    403: N_("Not allowed: %(detail)s"),
    404: N_("Not found: %(detail)s"),
    409: N_("This conflicts with the records as they are now: %(detail)s"),
    410: N_("No longer available: %(detail)s"),
    413: N_("The request is too large: %(detail)s"),
    422: N_("Invalid input: %(detail)s"),
    503: N_("The service is busy; please try again shortly: %(detail)s"),
}
LEAD_FIELD = N_("Invalid input in %(field)s: %(detail)s")
LEAD_OTHER = N_("The request could not be completed: %(detail)s")
FIELD_REASON = N_("%(field)s: %(reason)s")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each known form as a regular expression (a placeholder matches any text)."""
    out = []
    for msgid in KNOWN:
        parts = _PLACEHOLDER.split(msgid)   # text, name, text, name, …, text
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        out.append((re.compile(regex, re.S), msgid))
    return out


def known(locale: str, text: str) -> str | None:
    """``text`` in ``locale`` when it has a known form (see ``KNOWN``), else None."""
    for pattern, msgid in _patterns():
        if m := pattern.fullmatch(text):
            return gettext(locale, msgid, **m.groupdict())
    return None


def detail(locale: str, text: str, status: int, field: str | None = None) -> str:
    """A problem's ``detail`` in ``locale``: the catalog's translation of its known form,
    else a lead sentence for ``status`` (naming ``field``) and the English ``text``.

    >>> detail("en", "no door 7", 404)
    'no door 7'
    """
    if locale == "en" or not isinstance(text, str):
        return text
    found = known(locale, text)
    if found is not None:
        return found
    if field and status in (400, 422):
        return gettext(locale, LEAD_FIELD, field=field, detail=text)
    return gettext(locale, LEAD.get(status, LEAD_OTHER), detail=text)


# ------------------------------------------------------------------ validation errors

# pydantic's error types (``exc.errors()[i]["type"]``) -> the reason, filled from its ``ctx``.
VALIDATION = {
    "missing": N_("a value is required"),
    "string_too_long": N_("at most %(max_length)s characters"),
    "string_too_short": N_("at least %(min_length)s characters"),
    "too_long": N_("at most %(max_length)s items"),
    "too_short": N_("at least %(min_length)s items"),
    "greater_than": N_("must be greater than %(gt)s"),
    "greater_than_equal": N_("must be %(ge)s or more"),
    "less_than": N_("must be less than %(lt)s"),
    "less_than_equal": N_("must be %(le)s or less"),
    "multiple_of": N_("must be a multiple of %(multiple_of)s"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "finite_number": N_("must be a finite number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "string_type": N_("must be text"),
    "literal_error": N_("must be one of: %(expected)s"),
    "enum": N_("must be one of: %(expected)s"),
    "string_pattern_mismatch": N_("does not have the expected form (%(pattern)s)"),
    "extra_forbidden": N_("is not a field of this request"),
    "date_parsing": N_("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("must be a date (YYYY-MM-DD)"),
    "date_type": N_("must be a date (YYYY-MM-DD)"),
    "datetime_parsing": N_("must be a date and time (ISO 8601)"),
    "datetime_from_date_parsing": N_("must be a date and time (ISO 8601)"),
    "datetime_type": N_("must be a date and time (ISO 8601)"),
    "dict_type": N_("must be an object"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "list_type": N_("must be a list"),
    "tuple_type": N_("must be a list"),
    "json_invalid": N_("is not valid JSON"),
    "uuid_parsing": N_("must be a UUID"),
    "uuid_type": N_("must be a UUID"),
}
VALIDATION_OTHER = N_("is not valid: %(reason)s")


def validation_reason(locale: str, error: dict) -> str:
    """The reason of one pydantic error in ``locale``: by its ``type``, with the limits of
    its ``ctx``; a custom validator's message by its known form; else pydantic's English
    after a lead. English is pydantic's message unchanged."""
    if locale == "en":
        return error["msg"]
    ctx = {k: v for k, v in (error.get("ctx") or {}).items()}
    kind = error.get("type", "")
    if kind in ("literal_error", "enum") and "expected" in ctx:
        choices = re.findall(r"'([^']*)'", str(ctx["expected"]))
        ctx["expected"] = "、".join(choices) if choices else ctx["expected"]
    if kind in VALIDATION:
        try:
            return gettext(locale, VALIDATION[kind], **ctx)
        except KeyError:   # a context without the value the message needs
            pass
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        inner = str(ctx["error"])
        found = known(locale, inner)
        if found is not None:
            return found
    return gettext(locale, VALIDATION_OTHER, reason=error["msg"])
