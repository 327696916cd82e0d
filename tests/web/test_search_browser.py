"""The public search page in a real headless Chromium (issue 17 §6): each result has a URL of
its own (/names/{id}), the list stays in the history as /?q=… (Back and Forward move between
them), a new search clears the previous card, and a /names/{id} URL opened directly shows
the detail with its map on the offline basemap — on a laptop and on a phone (390×844). No
console error, no request off 127.0.0.1. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from geo.db import connect, execute, fetch_value, transaction
from tests.browser import OfflinePage
from tests.factories import a_house_number, add_name
from tests.serving import served
from tests.web.desk import assert_clean, fits, shot

PHONE = (390, 844)
LAPTOP = (1280, 860)
NOTHING = re.compile(r"\b(None|null|undefined|NaN)\b")


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture
def hetang(db_url) -> dict:
    """荷塘区 with 含义 and a former name, 东区 (committed; undone after the test)."""
    conn = connect(db_url)
    try:
        with transaction(conn):
            own = fetch_value(conn, "SELECT id FROM place_names WHERE name = '荷塘区'")
            execute(conn, "UPDATE place_names SET meaning = '以境内荷塘铺得名' WHERE id = %s",
                    (own,))
            former = add_name(conn, "东区", "0403", division="430202", status="historical",
                              current_id=own, valid=("1956-01-01", "1997-05-08"))
            city = fetch_value(conn, "SELECT id FROM place_names WHERE name = '株洲市'")
    finally:
        conn.close()
    return {"id": own, "former": former, "city": city}


def hits_for(page, name: str) -> None:
    """Wait until the first hit is ``name``."""
    page.wait_for_function(
        "(n) => document.querySelector('#hits li.hit a.name')?.textContent === n", arg=name,
        timeout=15_000)


def card_shows(page, name: str) -> None:
    """Wait until the detail card shows ``name``, its map drawn."""
    page.wait_for_function(
        "(n) => document.querySelector('#name-title')?.textContent === n", arg=name,
        timeout=15_000)
    page.wait_for_selector("#map.leaflet-container canvas", timeout=15_000)
    page.wait_for_selector("#map path.leaflet-interactive", timeout=15_000)


def tiles_drawn(view: OfflinePage) -> None:
    """The basemap's tiles came from this server, and none failed."""
    assert view.watched, "no basemap tile was asked for"
    assert all(r.status in (200, 204) for r in view.watched)


def test_search_open_back_and_search_again(browser, server, hetang):
    view = OfflinePage(browser, viewport=LAPTOP, locale="zh-CN")
    page = view.page
    try:
        page.goto(server + "/")
        page.fill("#q", "荷塘")
        hits_for(page, "荷塘区")
        assert page.url == f"{server}/?q={quote('荷塘')}"       # the list has its URL
        assert page.locator("#hits li.hit").count() >= 3        # 荷塘区, 荷塘村…, 荷塘铺
        shot(view, "public-search")

        page.click("#hits li.hit >> nth=0")
        card_shows(page, "荷塘区")
        assert page.url == f"{server}/names/{hetang['id']}"       # so has the result
        assert page.locator("#hits").is_hidden()
        card = page.inner_text("#detail")
        assert "430202" in card and "湖南省 › 株洲市" in card
        assert re.search(r"东经 11\d\.\d{6}°，北纬 2\d\.\d{6}°", card)
        assert "Hetang Qu" in card and "Hétáng Qū" in card and "县级行政区" in card
        assert "以境内荷塘铺得名" in card
        assert "东区" in card and "1956-01-01 至 1997-05-08" in card
        assert NOTHING.findall(card) == []
        assert page.title().startswith("荷塘区 · ")
        assert page.get_attribute("#lang", "href") == f"/names/{hetang['id']}?lang=en"
        shot(view, "public-detail")

        page.go_back()                                             # back: the list again
        page.wait_for_selector("#detail", state="hidden")
        assert page.url == f"{server}/?q={quote('荷塘')}"
        assert page.input_value("#q") == "荷塘"
        hits_for(page, "荷塘区")
        assert page.locator("#hits li.hit").count() >= 3

        page.go_forward()                                          # forward: the name
        card_shows(page, "荷塘区")
        assert page.url.endswith(f"/names/{hetang['id']}")

        # a second search from the card: the card goes, the new hits come
        page.fill("#q", "上海路")
        hits_for(page, "上海路")
        assert page.locator("#detail").is_hidden()
        assert page.inner_text("#detail") == ""
        assert page.url == f"{server}/?q={quote('上海路')}"
        page.go_back()                                             # back to the name
        card_shows(page, "荷塘区")

        # a parent division in the card opens in place, with its own URL
        page.click(f"#parents a[data-id='{hetang['city']}']")
        card_shows(page, "株洲市")
        assert page.url.endswith(f"/names/{hetang['city']}")
        assert "湖南省" in page.inner_text("#parents")
        page.click("#back")                     # opened from a card: the hits for its name
        hits_for(page, "株洲市")
        assert page.url == f"{server}/?q={quote('株洲市')}"
        tiles_drawn(view)
        assert_clean(view)
    finally:
        view.close()


def test_a_new_search_clears_the_open_card(browser, server, sample):
    view = OfflinePage(browser, viewport=LAPTOP, locale="zh-CN")
    page = view.page
    try:
        page.goto(f"{server}/?q={quote('株洲市')}")
        hits_for(page, "株洲市")
        page.click("#hits li.hit >> nth=0")
        card_shows(page, "株洲市")
        page.fill("#q", "荷塘区")
        page.press("#q", "Enter")
        hits_for(page, "荷塘区")
        assert page.locator("#detail").is_hidden() and page.inner_text("#detail") == ""
        assert page.locator("#map").count() == 0                   # its map went too
        page.click("#hits li.hit >> nth=0")
        card_shows(page, "荷塘区")
        assert "株洲市" not in page.inner_text("#name-title")
        page.go_back()
        hits_for(page, "荷塘区")
        page.go_back()                                             # the first name
        card_shows(page, "株洲市")
        page.go_back()                                             # its list, as first loaded
        hits_for(page, "株洲市")
        assert page.url == f"{server}/?q={quote('株洲市')}"
        assert_clean(view)
    finally:
        view.close()


def test_a_shared_url_opens_the_name_on_a_phone(browser, server, hetang):
    view = OfflinePage(browser, viewport=PHONE, locale="zh-CN",
                       headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = view.page
    try:
        page.goto(f"{server}/names/{hetang['id']}")                # opened directly
        card_shows(page, "荷塘区")
        card = page.inner_text("#detail")
        assert "行政区划代码" in card and "430202" in card and "上级行政区" in card
        assert "坐标（CGCS2000）" in card and "带声调拼写" in card and "曾用名" in card
        assert NOTHING.findall(page.inner_text("body")) == []
        assert fits(view)                                          # no sideways scroll
        box = page.locator("#map").bounding_box()
        assert box["width"] <= PHONE[0] and box["height"] >= 200
        shot(view, "public-detail-phone")

        page.click("#back")                                        # to the results for it
        hits_for(page, "荷塘区")
        assert page.url == f"{server}/?q={quote('荷塘区')}"
        assert page.locator("#detail").is_hidden()
        page.go_back()                                             # and back to the name
        card_shows(page, "荷塘区")

        page.click("#former a")                                    # a former name's page
        page.wait_for_function(
            "() => document.querySelector('#name-title')?.textContent === '东区'")
        assert "历史地名" in page.inner_text("#detail")
        assert "现名" in page.inner_text("#detail")
        page.click(".now a")                                       # to its current name
        card_shows(page, "荷塘区")

        page.click("#lang")                                        # English keeps the page
        page.wait_for_url(f"**/names/{hetang['id']}?lang=en")
        card_shows(page, "荷塘区")
        assert "Division code" in page.inner_text("#detail")
        assert "Coordinates (CGCS2000)" in page.inner_text("#detail")
        assert fits(view)
        tiles_drawn(view)
        assert_clean(view)
    finally:
        view.close()


def test_an_unknown_number_answers_with_the_search_box(browser, server, sample):
    view = OfflinePage(browser, viewport=PHONE, locale="zh-CN")
    page = view.page
    try:
        response = page.goto(f"{server}/names/999999999")
        assert response.status == 404
        assert "没有编号为 999999999 的地名。" in page.inner_text("#detail")
        page.fill("#q", "株洲市")
        hits_for(page, "株洲市")
        assert page.locator("#detail").is_hidden()
        assert_clean(view, answered=(404,))
    finally:
        view.close()


def test_an_address_card_goes_back_to_its_hits(browser, server, db_url):
    number = a_house_number(db_url, "上海路")
    view = OfflinePage(browser, viewport=PHONE, locale="zh-CN")
    page = view.page
    try:
        page.goto(f"{server}/?q={quote(f'南京市上海路{number}号')}")
        page.wait_for_selector("#hits li.hit[data-address='0']", timeout=15_000)
        page.click("#hits li.hit[data-address='0']")
        page.wait_for_selector("#map.leaflet-container", timeout=15_000)
        assert f"上海路{number}号" in page.inner_text("#detail .name")
        # The whole address romanized, and the house number's part with its own.
        assert page.inner_text("#address-roman").endswith(f"Shanghai Lu {number} Hao")
        rows = page.locator("#address-parts tr").all_inner_texts()
        assert rows[-1].split() == [f"{number}号", str(number), "Hao"]
        assert "上海路\tShanghai Lu" in rows
        assert page.locator("#hits").is_hidden()
        page.go_back()                                             # Back: the hits again
        page.wait_for_selector("#detail", state="hidden")
        assert page.locator("#hits li.hit[data-address='0']").is_visible()
        page.go_forward()                                          # Forward: the card
        page.wait_for_selector("#detail .name")
        page.click("#back")                                        # its own back link
        page.wait_for_selector("#detail", state="hidden")
        assert page.url == f"{server}/?q={quote(f'南京市上海路{number}号')}"
        page.fill("#q", "株洲市")                                  # a new search: no card
        hits_for(page, "株洲市")
        assert page.locator("#detail").is_hidden()
        assert_clean(view)
    finally:
        view.close()


@pytest.mark.parametrize(("locale", "lead"), [
    ("zh-CN", "上海路没有88号，附近现有的门牌号：同侧 "),
    ("en-US", "上海路 has no 88号; the nearest numbers it has: same side "),
])
def test_a_missing_number_offers_the_nearest_ones(browser, server, sample, locale, lead):
    # The page's own example, 南京市上海路88号: the road has no 88, so the page says so
    # and offers the nearest numbers it has, each a search of its own.
    view = OfflinePage(browser, viewport=PHONE, locale=locale)
    page = view.page
    try:
        page.goto(f"{server}/?q={quote('南京市上海路88号')}")
        near = page.wait_for_selector("#hits li.nearest", timeout=15_000)
        text = near.inner_text()
        assert text.startswith(lead), text
        assert not NOTHING.search(text)
        if locale == "zh-CN":
            assert "： " not in text and "按位置最近：" in text
        first = page.locator("#hits li.nearest a").first
        number = first.inner_text()
        first.click()
        page.wait_for_selector("#hits li.hit[data-address='0']", timeout=15_000)
        assert page.inner_text("#hits li.hit[data-address='0'] .name").endswith(
            "上海路" + number)
        assert fits(view)
        assert_clean(view)
    finally:
        view.close()
