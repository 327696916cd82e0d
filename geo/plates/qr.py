"""QR codes for house-number plates (二维码门牌, DOMAIN §C).

A plate's QR code carries only its public URL (``/qr/{token}``, an opaque and revocable
token), never an address or a person. ``qr_svg`` and ``qr_png`` draw that code; the proof
sheet of a campaign is printed by ``maps.plate_sheet``.
"""

from __future__ import annotations

import io

import segno

# Error correction level Q (about 25 % of the symbol can be lost) rather than M (15 %):
# plates hang outdoors for years and collect dust, rust streaks, scratches and flyers.
# Our URLs are short, so Q costs only a version or so, and at 40 mm (the small plate) the
# modules stay near 1 mm wide. segno raises the level to H when H fits in the same
# version (``boost_error``), which makes the code tougher at no cost in module size.
ERROR_LEVEL = "q"
QUIET_ZONE = 4   # modules of light border around the symbol, as ISO/IEC 18004 asks


# ------------------------------------------------------------------ QR codes

def _qr(url: str) -> segno.QRCode:
    # Never a Micro QR code: many phone scanners cannot read them.
    return segno.make_qr(url, error=ERROR_LEVEL)


def qr_svg(url: str, *, scale: int = 4) -> str:
    """The QR code of ``url`` as an ``<svg>`` element (no XML declaration) to put inline in HTML.

    The element has a ``<title>`` naming the URL, a white quiet zone of four modules, a
    ``viewBox`` (so CSS can resize it) and a width and height of ``scale`` px per module.
    It keeps its ``xmlns``, so the same text also works as a standalone ``image/svg+xml``.
    """
    qr = _qr(url)
    side = qr.symbol_size(scale=scale, border=QUIET_ZONE)[0]
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, encoding="utf-8",
            scale=scale, border=QUIET_ZONE, dark="#000", light="#fff", omitsize=True,
            svgclass="qr", lineclass=None, title=f"二维码 QR code: {url}")
    # segno writes either a size or a viewBox; put the size back beside the viewBox.
    svg = out.getvalue().decode("utf-8")
    return svg.replace("<svg ", f'<svg width="{side}" height="{side}" ', 1)


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The QR code of ``url`` as a PNG, ``scale`` px per module, with a four-module quiet zone."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=QUIET_ZONE)
    return out.getvalue()
