"""QR codes for plates (二维码门牌): the codes are decoded with zxing-cpp to prove they carry
the URL. No database is needed."""

import io
from xml.etree import ElementTree

import pytest
import segno
import zxingcpp
from PIL import Image

from geo.plates import qr

URLS = ["https://civgeo.example/qr/AbCdEf0123456789",
        "https://civgeo.example/qr/Zz9_-xY8wV7uT6sR?lang=en&src=plate",
        "http://localhost:8000/qr/" + "x" * 64]


def decode(png: bytes) -> list:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))


# ------------------------------------------------------------------ QR codes

@pytest.mark.parametrize("url", URLS)
def test_qr_png_decodes_to_the_url(url):
    [code] = decode(qr.qr_png(url))
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    assert code.text == url
    assert code.ec_level in ("Q", "H")   # Q, or H where segno could boost it for free


def test_qr_png_has_scale_and_a_four_module_quiet_zone():
    png = qr.qr_png(URLS[0], scale=5)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    modules = segno.make_qr(URLS[0], error="q").version * 4 + 17
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == ((modules + 8) * 5,) * 2
    quiet = image.crop((0, 0, image.width, 4 * 5))   # the top four modules
    assert quiet.getextrema() == (255, 255)
    assert image.getpixel((4 * 5, 4 * 5)) == 0       # the finder pattern starts right after


def test_qr_is_a_full_qr_code_at_level_q_or_better():
    code = qr._qr(URLS[0])
    assert not code.is_micro and code.error in ("Q", "H")
    assert code.matrix == segno.make(URLS[0], error="q", micro=False).matrix


def test_qr_svg_is_an_inline_element_with_a_title_and_a_view_box():
    svg = qr.qr_svg(URLS[1], scale=3)
    side = qr._qr(URLS[1]).symbol_size(scale=3, border=4)[0]
    assert svg.startswith(f'<svg width="{side}" height="{side}" ')
    assert f'viewBox="0 0 {side} {side}"' in svg
    assert "<?xml" not in svg and svg.endswith("</svg>")
    # well-formed XML in the SVG namespace, so it also works served as image/svg+xml
    assert ElementTree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    # the & of the URL is escaped inside the title
    assert f"<title>二维码 QR code: {URLS[1].replace('&', '&amp;')}</title>" in svg
