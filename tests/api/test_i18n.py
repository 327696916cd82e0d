"""Chinese first, English by switch (DESIGN §5b): every message the code and the templates
mark has a Chinese translation; the public page has no English left in Chinese (and none
of its Chinese in English); match reasons and problem details come out in Chinese when
asked for, and API clients that do not ask keep their English."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from api.web import messages

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "api/web/locale/zh/LC_MESSAGES"
# i18n.gettext(locale, msgid, …) takes the msgid second; everything else first.
KEYWORDS = {"_": None, "N_": None, "gettext": {None: (1,), **{n: (2,) for n in range(2, 16)}}}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def extracted() -> dict[str, str]:
    """Every msgid in the code (api/, maps/) and the templates, with where it first is."""
    found: dict[str, str] = {}
    for folder in ("api", "maps"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, msgid, _c, _ctx in extract_from_file("python", path, keywords=KEYWORDS):
                found.setdefault(msgid, f"{path.relative_to(ROOT)}:{line}")
    for folder in ("api/web/templates", "api/templates"):
        for path in sorted((ROOT / folder).glob("*.html")):
            for line, msgid, _c, _ctx in extract_from_file(
                    "jinja2.ext:babel_extract", path, keywords=KEYWORDS):
                found.setdefault(msgid, f"{path.relative_to(ROOT)}:{line}")
    return found


def catalogs() -> dict[str, dict[str, str]]:
    """Each catalog file's translations: file name -> msgid -> msgstr."""
    out = {}
    for po in sorted(CATALOGS.glob("*.po")):
        with po.open("rb") as f:
            out[po.name] = {m.id: m.string for m in read_po(f) if m.id and m.string
                            and not m.fuzzy}
    return out


def test_every_message_has_a_chinese_translation():
    translated = {msgid for table in catalogs().values() for msgid in table}
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(extracted().items(),
                                                               key=lambda kv: kv[1])
               if msgid not in translated]
    assert not missing, "no Chinese translation for:\n" + "\n".join(missing)


def test_catalogs_agree_with_each_other():
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for name, table in catalogs().items():
        for msgid, msgstr in table.items():
            if msgid in seen and seen[msgid][1] != msgstr:
                clashes.append(f"{msgid!r}: {seen[msgid]} vs ({name}, {msgstr!r})")
            seen.setdefault(msgid, (name, msgstr))
    assert not clashes, "translated differently:\n" + "\n".join(clashes)


def test_catalog_placeholders_are_the_msgids():
    """A translation uses only the placeholders of its msgid (else % fails at run time)."""
    def names(text: str) -> set[str]:
        return set(re.findall(r"%\((\w+)\)s", text))

    wrong = [f"{name}: {msgid!r}" for name, table in catalogs().items()
             for msgid, msgstr in table.items() if not names(msgstr) <= names(msgid)]
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------ the public page

ALLOWED_LATIN = {"civgeo", "OpenStreetMap", "CGCS2000", "English", "OSM", "GIS", "QR", "UUID"}
ALLOWED_HAN = ("中文", "南京市上海路88号", "专名", "通名", "小区")
_HAN = re.compile(r"[\u3400-\u9fff]")


def visible_text(page: str) -> str:
    """The text a person reads: tags and scripts' code left out, but the messages the
    script shows (the JSON blob) kept."""
    blob = re.search(r'<script type="application/json" id="msgs">(.*?)</script>', page, re.S)
    shown = json.loads(blob.group(1)) if blob else {}
    shown.pop("lang", None)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return body + " " + " ".join(_strings(shown))


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_public_page_in_chinese_has_no_english_left(app):
    page = app.get("/")   # no Accept-Language: Chinese, the default for people
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and page.headers["content-language"] == "zh-CN"
    text = visible_text(page.text)
    assert "标准地名与地址查询" in text and "精确匹配" in text and "错一字" in text
    english = sorted(set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN)
    assert english == []
    switch = re.search(r'<a class="lang" id="lang" href="([^"]+)"', page.text).group(1)
    assert switch == "/?lang=en"


def test_public_page_in_english_by_the_switch(app):
    page = app.get("/", params={"lang": "en", "q": "株洲"})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "civgeo_lang=en" in page.headers["set-cookie"]   # the switch is remembered
    text = visible_text(page.text)
    assert "Standard place names and addresses" in text and "exact match" in text
    for allowed in ALLOWED_HAN:
        text = text.replace(allowed, "")
    assert _HAN.findall(text) == []
    assert 'href="/?q=%E6%A0%AA%E6%B4%B2&amp;lang=zh"' in page.text  # back, keeping q
    again = app.get("/")   # the cookie, not Accept-Language, decides now
    assert '<html lang="en">' in again.text


def test_public_page_follows_accept_language(app):
    assert '<html lang="en">' in app.get("/", headers={"Accept-Language": "en-US"}).text
    assert '<html lang="zh-CN">' in app.get("/", headers=ZH).text


def test_qr_page_of_an_unknown_code_in_both_languages(app):
    zh = app.get("/qr/unknown-token-123")
    assert zh.status_code == 404 and "未找到此二维码" in zh.text
    assert "没有门牌使用此二维码" in zh.text and "Unknown" not in zh.text
    en = app.get("/qr/unknown-token-123", params={"lang": "en"})
    assert en.status_code == 404 and "Unknown QR code" in en.text
    assert "no plate has this QR code" in en.text


# ------------------------------------------------------------------ match reasons


def test_names_search_gives_the_reason_in_the_language_asked_for(app, sample):
    zh = app.get("/names/search", params={"q": "株洲市"}, headers=ZH).json()["features"][0]
    assert zh["properties"]["match"] == "exact"
    assert zh["properties"]["match_label"] == "精确匹配"
    assert zh["properties"]["why"] == "exact"     # the English reason stays, as before
    en = app.get("/names/search", params={"q": "株洲市"}).json()["features"][0]
    assert en["properties"]["match_label"] == "exact match"
    traditional = app.get("/names/search", params={"q": "荷塘區", "lang": "zh"}).json()
    hit = traditional["features"][0]["properties"]
    assert hit["traditional"] is True and hit["match_label"] == "繁体转简体 · 精确匹配"
    homophone = app.get("/names/search", params={"q": "株州"}, headers=ZH).json()
    assert homophone["features"][0]["properties"]["match_label"] == "同音字"
    initials = app.get("/names/search", params={"q": "zzs"}, headers=ZH).json()
    assert initials["features"][0]["properties"]["match_label"] == "首字母"


def test_every_match_code_has_a_label():
    from geo.names.search import WHY

    assert set(WHY) == set(messages.NAME_MATCH)


# ------------------------------------------------------------------ problem details


def test_validation_problem_in_chinese_names_the_field(app):
    zh = app.get("/names/search", params={"q": "株洲", "limit": 0}, headers=ZH)
    en = app.get("/names/search", params={"q": "株洲", "limit": 0})
    assert zh.status_code == en.status_code == 422
    for machine in ("type", "title", "status", "field"):
        assert zh.json()[machine] == en.json()[machine]
    assert zh.json()["field"] == "limit"
    assert zh.json()["detail"] == "limit：应大于或等于 1"
    assert zh.json()["errors"][0]["reason"] == "应大于或等于 1"
    assert en.json()["detail"] == "limit: Input should be greater than or equal to 1"
    too_long = app.get("/addresses/search", params={"q": "路" * 121}, headers=ZH).json()
    assert too_long["detail"] == "q：最多 120 个字符"
    choice = app.get("/names/register", params={"division": "430202", "format": "doc"},
                     headers=ZH).json()
    assert choice["detail"] == "format：应为以下之一：html、pdf"


def test_domain_problems_in_chinese(app, sample):
    long = app.get("/names/search", params={"q": "株" * 51}, headers=ZH).json()
    assert long["field"] == "q" and long["detail"] == "查询内容超过 50 个字符"
    english = app.get("/names/search", params={"q": "株" * 51}).json()
    assert english["detail"] == "the query is longer than 50 characters"
    missing = app.get("/names/999999999", headers=ZH).json()
    assert missing["status"] == 404 and missing["detail"] == "没有编号为 999999999 的地名"
    outside = app.get("/addresses/reverse", params={"lon": 2.35, "lat": 48.85},
                      headers=ZH).json()
    assert outside["detail"].startswith("lon：(2.35, 48.85) 位于中国境外")
    app.cookies.set("civgeo_lang", "zh")
    by_cookie = app.get("/names/search", params={"q": "!!"})
    assert by_cookie.json()["detail"] == "请用汉字或拼音字母查询"


def test_generic_and_boundary_problems_in_chinese(app):
    nothing = app.get("/no/such/page", headers=ZH).json()
    assert nothing["type"] == "/problems/not-found" and nothing["detail"] == "/no/such/page 不存在"
    control = app.get("/names/search?q=a%00b", headers=ZH).json()
    assert control["field"] == "q" and control["detail"] == "q：不允许含有控制字符（U+0000）"
    assert control["errors"][0]["reason"] == control["detail"]
    token = app.get("/audit", headers=ZH).json()
    assert token["status"] == 401 and "请" in token["detail"]
    assert app.get("/audit").json()["detail"].startswith("send a bearer token")


def test_a_detail_of_no_known_form_gets_a_chinese_lead():
    assert messages.detail("zh", "door 7 has no building 'B'", 422, "building") == \
        "building 输入有误：door 7 has no building 'B'"
    assert messages.detail("zh", "no plate 12", 404) == "未找到：no plate 12"
    assert messages.detail("en", "no plate 12", 404) == "no plate 12"


def test_an_api_client_gets_english_unless_it_asks():
    assert messages.api_locale(None, None, None) == "en"
    assert messages.api_locale(None, None, "fr-FR, de;q=0.5") == "en"
    assert messages.api_locale(None, None, "zh-TW") == "zh"
    assert messages.api_locale("en", None, "zh-CN") == "en"
