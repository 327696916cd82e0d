"""The staff app's pages in both languages (DESIGN §5b): in Chinese no English word is left
(the messages the workbench's script shows included), in English no Chinese."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.api.test_i18n import ALLOWED_LATIN, visible_text
from tests.factories import committed_staff
from tests.web.test_sign_in import HTML, sign_in

# Names of things that stay as they are in both languages: the product, the CLI command a
# page tells an administrator to type, its arguments, and the network's name.
ALLOWED = ALLOWED_LATIN | {"users", "add", "NAME", "ROLE", "role", "password", "fixtures",
                           "load", "wuhan", "walk", "HTML", "Excel", "CSV", "API", "OGC",
                           "GeoJSON", "GeoPackage", "Features"}
# Chinese that stays in English pages: the names of places and people in the data.
DATA_HAN = re.compile(r"([\u4e00-\u9fff]{1,6}(区|县|市)|规划员小王|小王|地名科|（全市）)")
PAGES = ["/login", "/app/", "/app/coverage?division=420103"]


@pytest.fixture
def client(db_url, sample):
    committed_staff(db_url, "planner", "小王", "planner-pass-123")
    with TestClient(create_app(Settings(database_url=db_url, pool_max=4)),
                    raise_server_exceptions=False) as c:
        yield c


def readable(page: str) -> str:
    """What a person reads on a page, with the workbench script's messages."""
    text = visible_text(page)
    boot = re.search(r'<script type="application/json" id="boot">(.*?)</script>', page, re.S)
    if boot:
        text += " " + " ".join(json.loads(boot.group(1))["messages"].values())
    return re.sub(r"%\(\w+\)s", " ", text)    # placeholders are filled in by the script


@pytest.mark.parametrize("path", PAGES)
def test_staff_pages_in_chinese_have_no_english_left(client, path):
    if path != "/login":
        sign_in(client)
    page = client.get(path, headers=HTML)
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    english = sorted(set(re.findall(r"[A-Za-z]{2,}", readable(page.text))) - ALLOWED)
    assert english == []


@pytest.mark.parametrize("path", PAGES)
def test_staff_pages_in_english_have_no_chinese_left(client, path):
    if path != "/login":
        sign_in(client)
    page = client.get(path + ("&" if "?" in path else "?") + "lang=en", headers=HTML)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    text = DATA_HAN.sub("", readable(page.text).replace("中文", ""))
    assert re.findall(r"[\u4e00-\u9fff]+", text) == []


def test_the_403_page_in_both_languages(client, db_url):
    committed_staff(db_url, "names_officer", "地名科", "names-pass-1234")
    sign_in(client, "地名科", "names-pass-1234")
    zh = client.get("/app/coverage", headers=HTML)
    assert zh.status_code == 403
    assert sorted(set(re.findall(r"[A-Za-z]{2,}", readable(zh.text))) - ALLOWED) == []
    en = client.get("/app/coverage", params={"lang": "en"}, headers=HTML)
    assert "Not allowed" in en.text and "Place-names officer" in en.text
