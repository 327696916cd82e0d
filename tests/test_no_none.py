"""Nothing shows a missing value spelt out: every public JSON, HTML and PDF of the sample data
(names search, reverse and detail, addresses search and reverse, QR pages, the plate sheet,
the register, OGC items, map pages) is read for the words None, NaN, undefined and null
shown as text (issue 17). JSON ``null`` is a value, not text, and is fine; the string
"null" is not. In HTML, what a reader sees counts: the text, attribute values, and the
string literals and JSON data of inline scripts (a map's popups live there)."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from geo.db import connect, fetch_all
from tests.factories import committed_token

WORDS = re.compile(r"(?<![A-Za-z0-9_$.])(None|NaN|undefined|null)(?![A-Za-z0-9_])")
# JavaScript string literals; one compared with === or given to typeof is code, not text.
_LITERAL = re.compile(r"""(?<!typeof )(?<!typeof\()(?<!== )(?<!==)(?<!= )"""
                      r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
_CODE_ATTRS = {"class", "id", "style", "type", "rel", "lang", "hreflang", "charset", "name",
               "integrity", "crossorigin"}


def _strings(value, where: str = "$"):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def in_json(value) -> list[str]:
    """The strings of a JSON document that show a missing value as a word."""
    return [f"{where}: {text[:120]!r}" for where, text in _strings(value) if WORDS.search(text)]


class _Shown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script: str | None = None        # the type of the script being read
        self.style = False

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value and key not in _CODE_ATTRS and not key.startswith("on") \
                    and WORDS.search(value):
                self.found.append(f"<{tag} {key}={value[:120]!r}>")
        if tag == "script":
            self.script = dict(attrs).get("type") or "text/javascript"
        self.style = self.style or tag == "style"

    def handle_endtag(self, tag):
        if tag == "script":
            self.script = None
        if tag == "style":
            self.style = False

    def handle_data(self, data):
        if self.style:
            return
        if self.script is None:
            if WORDS.search(data):
                self.found.append(f"text {data.strip()[:120]!r}")
        elif "json" in self.script:
            try:
                self.found.extend(in_json(json.loads(data)))
            except ValueError:
                self.found.append(f"script {self.script} is not JSON")
        else:
            for literal in _LITERAL.findall(data):
                if WORDS.search(literal):
                    self.found.append(f"script string {literal[:120]!r}")


def in_html(text: str) -> list[str]:
    """What a reader of the page would see as None, NaN, undefined or null."""
    parser = _Shown()
    parser.feed(text)
    parser.close()
    return parser.found


def in_pdf(data: bytes) -> list[str]:
    """The lines of a PDF's text that show a missing value as a word."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    assert text.strip(), "the PDF has no text to read"
    return [line.strip()[:120] for line in text.splitlines() if WORDS.search(line)]


def shown(response) -> list[str]:
    """The offending words of an answer, by its media type."""
    kind = response.headers.get("content-type", "")
    if "pdf" in kind:
        return in_pdf(response.content)
    if "json" in kind:
        return in_json(response.json())
    return in_html(response.text)


def read_all(app, urls, headers=None) -> dict[str, list[str]]:
    """Fetch each URL; every one must answer 200; map the URL to what it shows wrongly."""
    bad = {}
    for url in urls:
        r = app.get(url, headers=headers or {})
        assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:300]}"
        if found := shown(r):
            bad[url] = found[:5]
    return bad


# ------------------------------------------------------------------ the checker itself

def test_the_checker_finds_each_word_and_only_as_a_word():
    assert in_json({"place": "NaN"}) and in_json({"a": [{"b": "x None"}]})
    assert in_json({"roman": "null"}) and in_json({"t": "undefined号"})
    assert in_json({"place": None, "roman": "Nanjing", "n": "Nonetheless", "x": "annulled"}) \
        == []
    assert in_html("<td>None</td>") and in_html('<div title="NaN">x</div>')
    assert in_html('<script>L.marker(p).bindPopup("<b>None</b>")</script>')
    assert in_html('<script type="application/json">{"a": "undefined"}</script>')
    assert in_html("<p>韩家巷null号</p>")
    assert in_html('<script>if (typeof x === "undefined" || y === null) {}</script>'
                   '<style>.a::after { content: none }</style><p>南京 Nanjing</p>') == []


# ------------------------------------------------------------------ the sample's pages

@pytest.fixture(scope="module")
def ids(db_url, sample) -> dict:
    conn = connect(db_url)
    try:
        def col(sql):
            return [next(iter(r.values())) for r in fetch_all(conn, sql)]
        return {
            "names": col("SELECT id FROM place_names WHERE dataset IS NOT NULL AND "
                         "(category_code LIKE '08%%' OR division_code LIKE '3201%%' "
                         " OR division_code LIKE '4302%%') ORDER BY category_code, id"),
            "tokens": col("SELECT token FROM plate_tokens ORDER BY plate_id, token"),
            "roads": col("SELECT id FROM roads WHERE dataset IS NOT NULL ORDER BY id"),
            "doors": fetch_all(conn, "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM "
                                     "entrances WHERE number IS NOT NULL ORDER BY id"),
            "campaigns": col("SELECT id FROM plate_campaigns ORDER BY id"),
        }
    finally:
        conn.close()


QUERIES = ("中山路", "上海路", "三条巷", "韩家巷", "株洲", "荷塘區", "zhuzhou", "zzs", "长阳花园",
           "锁二社区", "渌口区", "花楼街道")
ADDRESSES = ("南京市上海路88号", "南京市上海路82号", "上海路", "韩家巷101号", "江苏省南京市玄武区",
             "南京玄武中山路18号", "三条巷1号", "四条巷")


def test_names_search_reverse_and_detail(app, ids):
    urls = [f"/names/search?q={q}" for q in QUERIES]
    urls += [f"/names/search?q={q}&lang=zh" for q in QUERIES[:3]]
    urls += ["/names/reverse?lon=118.779&lat=32.050", "/names/reverse?lon=113.15&lat=27.85"]
    urls += [f"/names/{i}" for i in ids["names"][::7]]
    assert read_all(app, urls) == {}
    pages = [f"/names/{i}" for i in ids["names"][::40]]
    assert read_all(app, pages, headers={"Accept": "text/html"}) == {}


def test_addresses_search_reverse_and_parse(app, ids):
    urls = [f"/addresses/search?q={q}" for q in ADDRESSES]
    urls += [f"/addresses/parse?q={q}" for q in ADDRESSES]
    urls += [f"/addresses/reverse?lon={d['lon']:.6f}&lat={d['lat']:.6f}"
             for d in ids["doors"][::10]]
    urls += ["/addresses/reverse?lon=118.779&lat=32.050"]
    assert read_all(app, urls) == {}


def test_the_public_search_page(app, sample):
    assert read_all(app, ["/", "/?q=南京市上海路88号", "/?lang=en", "/?q=中山路&lang=en"]) == {}


def test_every_qr_page(app, ids):
    bad = {}
    for token in ids["tokens"]:
        for url in (f"/qr/{token}", f"/qr/{token}?format=json", f"/qr/{token}?lang=en"):
            r = app.get(url)
            assert r.status_code in (200, 410), f"{url}: {r.status_code}"
            if found := shown(r):
                bad[url] = found[:5]
    assert len(ids["tokens"]) > 50 and bad == {}


def test_the_plate_sheets_html_and_pdf(app, ids, db_url):
    officer = {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer')}"}
    urls = [f"/plates/campaigns/{c}/sheet" for c in ids["campaigns"]]
    urls += [f"/plates/campaigns/{ids['campaigns'][0]}/sheet?format=pdf"]
    assert ids["campaigns"] and read_all(app, urls, headers=officer) == {}


def test_the_register_html_and_pdf(app, sample):
    urls = ["/names/register?division=320106", "/names/register?division=320102",
            "/names/register?division=430202", "/names/register?division=320106&format=pdf"]
    assert read_all(app, urls) == {}


def test_ogc_items_json_and_html(app, sample):
    collections = app.get("/ogc/collections").json()["collections"]
    urls = ["/ogc/", "/ogc/collections", "/ogc/?f=html", "/ogc/collections?f=html"]
    for c in collections:
        urls += [f"/ogc/collections/{c['id']}/items?limit=200",
                 f"/ogc/collections/{c['id']}/items?limit=30&f=html"]
    assert len(collections) >= 3 and read_all(app, urls) == {}


def test_map_pages(app, ids, db_url):
    planner = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    urls = [f"/maps/names?q={q}" for q in ("中山路", "株洲", "三条巷")]
    urls += [f"/maps/roads/{r}" for r in ids["roads"][::15]]
    urls += ["/maps/divisions?division=320100"]
    assert read_all(app, urls, headers=planner) == {}
