"""The A4 proof sheet of QR plates (二维码门牌): drawn to scale, escaped, printed by headless
Chromium, and its QR codes scan from a browser screenshot (zxing-cpp). No database."""

import datetime as dt
import io
import re
import subprocess
import uuid

import pytest
import zxingcpp
from PIL import Image

from geo.errors import InvalidInput
from maps import plate_sheet as sheet
from maps.printing import html_to_pdf

EVIL = "<script>alert(1)</script>路"
URLS = ["https://civgeo.example/qr/AbCdEf0123456789",
        "https://civgeo.example/qr/Zz9_-xY8wV7uT6sR?lang=en&src=plate"]


def plate(**overrides) -> dict:
    """A plate as sheet_html takes it; a test states only what matters to it."""
    p = {"id": 1, "token": "AbCdEf0123456789", "url": URLS[0], "size": "medium",
         "kind": "door", "road": "江汉路", "road_roman": "Jianghan Lu", "number_label": "12号",
         "building": None, "unit": None, "address": "湖北省武汉市江汉区民族街道江汉路12号",
         "status": "planned"}
    return p | overrides


def three_plates() -> list[dict]:
    return [plate(),
            plate(id=2, token="Zz9_-xY8wV7uT6sR", url=URLS[1].split("?")[0], size="large",
                  kind="building", road="朝阳门内大街", road_roman="Chaoyangmennei Dajie",
                  number_label="12-1号", building="3栋"),
            plate(id=3, token="QQQQwwwwEEEErrrr", url="https://civgeo.example/qr/QQQQwwwwEEEErrrr",
                  size="small", kind="unit", road="长安街", road_roman="Chang'an Jie",
                  number_label="8号", building="3栋", unit="2单元")]


def decode(png: bytes) -> list:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))


def test_sheet_has_one_card_per_plate_with_token_address_and_url():
    plates = three_plates()
    html = sheet.sheet_html(plates, title="江汉区二维码门牌校样", generated_at="2024-05-01")
    assert html.count('<section class="card"') == 3
    assert html.count("<svg ") == 3
    for p in plates:
        assert f'id="plate-{p["id"]}"' in html
        assert p["token"] in html and p["url"] in html and p["address"] in html
    assert "江汉区二维码门牌校样" in html and "2024-05-01" in html
    assert not re.search(r'(?:src|href)="', html)   # no external assets


def test_sheet_escapes_every_text_field():
    html = sheet.sheet_html([plate(road=EVIL, address=EVIL, road_roman=EVIL, token=EVIL)],
                         title=EVIL, generated_at=EVIL)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路" in html


def test_sheet_draws_each_size_to_its_scale():
    sizes = {"large": "142.50mm;height:92.50mm",     # 570×370 at 1:4
             "medium": "135.00mm;height:85.00mm",    # 270×170 at 1:2
             "small": "150.00mm;height:90.00mm"}     # 150×90 at true size
    for size, box in sizes.items():
        html = sheet.sheet_html([plate(size=size)], title="t", generated_at=None)
        label = 'aria-label="江汉路 Jianghan Lu 12号"'
        assert f'class="plate" role="img" {label} style="width:{box}"' in html
    assert "1:4" in html and "A4" in html   # the note says large plates are scaled down


def test_sheet_shows_what_each_kind_of_plate_carries():
    [_, building, unit] = three_plates()
    assert sheet._face(building) == ("朝阳门内大街12-1号", "Chaoyangmennei Dajie", "3栋")
    assert sheet._face(unit) == ("长安街8号3栋", "Chang'an Jie", "2单元")


def test_sheet_shrinks_long_names_to_fit_the_plate():
    short = sheet._layout(sheet.SIZES["small"], "长安街", "Chang'an Jie", "8号")
    long = sheet._layout(sheet.SIZES["small"], "朝阳门内大街12-1号3栋", "Chaoyangmennei Dajie",
                         "8号")
    assert long["zh_font"] < short["zh_font"]
    assert long["zh_font"] * sheet._em_width("朝阳门内大街12-1号3栋") <= long["text_w"]


def test_sheet_shows_generated_at_in_beijing_time():
    at = dt.datetime(2024, 5, 1, 2, 30, tzinfo=dt.UTC)
    assert "2024-05-01 10:30" in sheet.sheet_html([], title="t", generated_at=at)


def test_sheet_rejects_an_unknown_size():
    with pytest.raises(InvalidInput) as err:
        sheet.sheet_html([plate(size="huge")], title="t", generated_at=None)
    assert err.value.field == "size" and "'huge'" in err.value.detail


def test_empty_sheet_says_so():
    assert "No plates" in sheet.sheet_html([], title="t", generated_at=None)


def test_sheet_pdf_is_printed_by_chromium():
    pdf = html_to_pdf(sheet.sheet_html(three_plates(), title="校样", generated_at=None))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_sheet_qr_codes_scan_in_a_browser_screenshot(tmp_path):
    plates = three_plates()
    page, shot = tmp_path / "sheet.html", tmp_path / "sheet.png"
    page.write_text(sheet.sheet_html(plates, title="校样", generated_at=None), encoding="utf-8")
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / uuid.uuid4().hex}", "--hide-scrollbars",
         "--window-size=900,2400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120, check=True)
    found = {code.text for code in decode(shot.read_bytes())}
    assert found == {p["url"] for p in plates}
