"""The printable A4 proof sheet of QR house-number plates (二维码门牌, DOMAIN §C).

``sheet_html`` lays plates out as they will look (GB 17733-2008 style: blue ground, white
characters, road name over its pinyin, the number large, the QR code at the right side) for
checking before they are ordered; ``campaign_html`` and ``campaign_pdf`` print a campaign's
``PlateSheet`` (``geo.plates.campaigns.sheet``).

Each plate given to ``sheet_html`` is a dict with the keys id, token, url (what the QR code
encodes), size ('large' | 'medium' | 'small'), kind ('door' | 'building' | 'unit'), road
('江汉路'), road_roman ('Jianghan Lu'), number_label ('12号', '12-1号'), building ('3栋' or
None), unit ('2单元' or None), address (the full standard address, 标准地址) and status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from geo.clock import local_time
from geo.errors import InvalidInput
from geo.plates.campaigns import PlateSheet
from geo.plates.qr import ERROR_LEVEL, QUIET_ZONE, qr_svg
from maps.printing import html_to_pdf, templates


@dataclass(frozen=True)
class PlateSize:
    """A plate size (Tianjin 二维码门牌 sizes, DOMAIN §C) and its scale on the proof sheet."""

    label: str
    width_mm: float
    height_mm: float
    qr_mm: float        # side of the QR code, quiet zone included
    sheet_scale: int    # drawn at 1:sheet_scale so that a card fits the A4 page


SIZES = {
    "large": PlateSize("大门牌 large", 570, 370, 120, 4),
    "medium": PlateSize("中门牌 medium", 270, 170, 75, 2),
    "small": PlateSize("小门牌 small", 150, 90, 40, 1),
}
KIND_LABELS = {"door": "门牌 door", "building": "楼牌 building", "unit": "单元牌 unit"}
STATUS_LABELS = {"planned": "计划 planned", "ordered": "已订制 ordered",
                 "installed": "已安装 installed", "damaged": "损坏 damaged",
                 "missing": "丢失 missing", "replaced": "已更换 replaced",
                 "removed": "已拆除 removed"}
_ENV = templates(mm=lambda value: f"{value:.2f}mm")


def sheet_html(plates: list[dict], *, title: str, generated_at) -> str:
    """The plates as a printable A4 proof sheet (``templates/plate_sheet.html``).

    One card per plate, drawn to scale (``SIZES``: large plates 1:4, medium 1:2, small at
    true size), with its id, token, standard address and the URL its QR code encodes.
    ``generated_at`` is a datetime (shown in Beijing time), a date or a string.
    Raises ``InvalidInput`` for a plate of unknown size.
    """
    return _ENV.get_template("plate_sheet.html").render(
        title=title, generated_at=local_time(generated_at), cards=[_card(p) for p in plates],
        sizes=SIZES, quiet_zone=QUIET_ZONE, error_level=ERROR_LEVEL.upper())


def campaign_html(sheet: PlateSheet) -> str:
    """A campaign's plates as a proof sheet, dated now."""
    return sheet_html(sheet.plates, title=f"{sheet.campaign['name']} — 门牌二维码 QR plates",
                      generated_at=dt.datetime.now().astimezone())


def campaign_pdf(sheet: PlateSheet) -> bytes:
    """A campaign's proof sheet as PDF, printed by headless Chromium."""
    return html_to_pdf(campaign_html(sheet))


def _card(plate: dict) -> dict:
    size = SIZES.get(plate["size"])
    if size is None:
        raise InvalidInput(f"plate {plate['id']}: size was {plate['size']!r} but is expected "
                           f"to be one of {', '.join(SIZES)}", field="size")
    name_zh, name_roman, big = _face(plate)
    return {**plate, "plate_size": size, "name_zh": name_zh, "name_roman": name_roman,
            "big": big, "box": _layout(size, name_zh, name_roman, big),
            "kind_label": KIND_LABELS.get(plate["kind"], plate["kind"]),
            "status_label": STATUS_LABELS.get(plate["status"], plate["status"]),
            "svg": Markup(qr_svg(plate["url"]))}


def _face(plate: dict) -> tuple[str, str, str]:
    """What the plate shows: the name line, its romanization, and the large label.

    A door plate (门牌) shows the road and the number; a building plate (楼牌) the road and
    number over the building; a unit plate (单元牌) all of these over the unit. A missing
    part (a road whose romanization is unknown) is left blank.
    """
    road, number = _shown(plate["road"]), _shown(plate["number_label"])
    roman = _shown(plate.get("road_roman"))
    if plate["kind"] == "unit":
        return (f"{road}{number}{_shown(plate.get('building'))}", roman,
                _shown(plate.get("unit")))
    if plate["kind"] == "building":
        return f"{road}{number}", roman, _shown(plate.get("building"))
    return road, roman, number


def _shown(value) -> str:
    """What a plate prints for a value: the text, or nothing at all for a missing one
    (never the words None or NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "" if text.strip().lower() in ("none", "nan", "null", "undefined") else text


def _layout(size: PlateSize, name_zh: str, name_roman: str, big: str) -> dict:
    """Boxes and font sizes of one plate in printed mm (real mm / the sheet scale).

    The text area is left of the QR code: its upper half holds the road name (Chinese in
    the upper 3/5, pinyin in the lower 2/5, as GB 17733 street plates do), its lower half
    the large number. Font sizes shrink to fit long names, estimated from character widths.
    """
    w, h, q = size.width_mm, size.height_mm, size.qr_mm
    margin = 0.06 * h
    text_w = w - 2 * margin - q - 0.6 * margin
    name_h = 0.5 * (h - 2 * margin)
    big_h = h - 2 * margin - name_h
    real = {
        "w": w, "h": h, "qr": q, "margin": margin, "qr_top": (h - q) / 2,
        "frame_inset": 0.025 * h, "frame_line": 0.012 * h, "rule": 0.008 * h,
        "text_w": text_w, "zh_h": 0.6 * name_h, "roman_h": 0.4 * name_h, "big_h": big_h,
        "zh_font": min(0.8 * 0.6 * name_h, 0.95 * text_w / _em_width(name_zh)),
        "roman_font": min(0.7 * 0.4 * name_h, 0.95 * text_w / _em_width(name_roman)),
        "big_font": min(0.75 * big_h, 0.95 * text_w / _em_width(big)),
    }
    return {key: value / size.sheet_scale for key, value in real.items()}


def _em_width(text: str | None) -> float:
    """Rough printed width of ``text`` in em: CJK characters are square, Latin about 0.62."""
    width = sum(1.0 if ord(ch) >= 0x2E80 else 0.62 for ch in text or "")
    return max(width, 1.0)
