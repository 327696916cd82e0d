"""The public search page, the 标准地名录 register and the names map."""

import re
import subprocess
import uuid

from tests.factories import a_house_number, committed_token


def test_search_page_uses_only_local_assets(app):
    page = app.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|<link [^>]*href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/vendor/") for a in assets)
    assert re.findall(r'<a [^>]*href="([^"]+)"', page.text) == ["/?lang=en"]  # the switch
    assert 'name="viewport"' in page.text  # usable on a phone


def test_search_page_finds_names_in_a_real_browser(server, tmp_path):
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / uuid.uuid4().hex}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=5000", "--dump-dom", f"{server}/?q=%E6%A0%AA%E6%B4%B2&lang=zh"],
        capture_output=True, text=True, timeout=120)
    assert 'class="hit' in proc.stdout and "株洲市" in proc.stdout
    assert "Zhuzhou Shi" in proc.stdout
    assert '<div class="why" data-match="proper">专名匹配（省略通名）</div>' in proc.stdout
    assert not [line for line in proc.stderr.splitlines() if "Uncaught" in line]


def test_search_page_on_a_phone_in_chinese(server):
    """The public page at 390×844 as a phone set to Chinese: reasons and errors in Chinese,
    the detail's labels too, the switch to English; nothing leaves 127.0.0.1."""
    from tests.browser import OfflinePage, chromium_browser

    def first(selector: str, expected: str) -> None:
        view.page.wait_for_function(
            "([s, t]) => document.querySelector(s)?.textContent === t", arg=[selector, expected],
            timeout=15_000)

    with chromium_browser() as browser:
        view = OfflinePage(browser, viewport=(390, 844),
                           headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        try:
            page = view.page
            page.goto(server + "/")
            assert page.get_attribute("html", "lang") == "zh-CN"
            assert page.inner_text("header h1") == "标准地名与地址查询"
            page.fill("#q", "株州")                       # 州 for 洲: a homophone
            first("li.hit .why", "同音字")
            page.fill("#q", "荷塘區")                     # traditional characters
            first("li.hit .why", "繁体转简体 · 精确匹配")
            page.fill("#q", "株洲市")
            first("li.hit .why", "精确匹配")
            page.click("li.hit")
            page.wait_for_selector("#detail th")
            assert "专名 / 通名" in page.inner_text("#detail")
            assert "标准名称" in page.inner_text("#detail")
            page.fill("#q", "!!")                         # an error, from the API in Chinese
            first("#hits li.meta", "请用汉字或拼音字母查询")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390   # fits
            page.click("#lang")
            page.wait_for_url("**/?q=%21%21&lang=en")    # the switch keeps the query
            assert page.get_attribute("html", "lang") == "en"
            page.fill("#q", "株州")
            first("li.hit .why", "homophone (same pinyin)")
            # the one error is the 422 answer to "!!", which the page shows
            assert [e for e in view.errors if "status of 422" not in e] == []
            assert view.blocked == []
        finally:
            view.close()


def test_search_page_finds_standard_addresses_in_a_real_browser(server, tmp_path, db_url):
    from urllib.parse import quote

    number = a_house_number(db_url, "上海路")
    wide = "".join(chr(ord(c) + 0xFEE0) for c in str(number))   # full-width digits
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / uuid.uuid4().hex}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=5000", "--dump-dom",
         f"{server}/?q={quote(f'南京市上海路{wide}號')}"],
        capture_output=True, text=True, timeout=120)
    assert 'data-address="0"' in proc.stdout
    assert re.search(rf"江苏省南京市[^<]*上海路{number}号", proc.stdout)
    assert not [line for line in proc.stderr.splitlines() if "Uncaught" in line]


def test_register_html_groups_by_category(app, sample):
    r = app.get("/names/register", params={"division": "430202"})
    assert r.status_code == 200
    assert "荷塘区标准地名录" in r.text
    assert "乡级行政区" in r.text and "社区居民委员会" in r.text
    assert "Wenhualu Shequ" in r.text  # 文化路社区
    assert "synthetic" in r.text


def test_register_pdf(app, sample):
    r = app.get("/names/register", params={"division": "430202", "format": "pdf"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 20_000


def test_register_bad_division(app):
    assert app.get("/names/register", params={"division": "4302"}).status_code == 422
    assert app.get("/names/register", params={"division": "999999"}).status_code == 404


def test_names_map(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    r = app.get("/maps/names", params={"q": "荷塘"}, headers=h)
    assert r.status_code == 200
    assert "荷塘区" in r.text and "/static/vendor/leaflet/dist/leaflet.js" in r.text
    assert "cdn.jsdelivr" not in r.text


def test_map_of_one_name(app, db_url, sample):
    h = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    hit = app.get("/names/search", params={"q": "荷塘区"}).json()["features"][0]
    r = app.get("/maps/names", params={"id": hit["id"]}, headers=h)
    assert r.status_code == 200 and "Hetang Qu" in r.text
    assert app.get("/maps/names", params={"id": 10**9}, headers=h).status_code == 404
