"""The printed 标准地名录 (register of standard names) of a division: a ``Register``
(``geo.names.gazetteer.register``) as a printable A4 HTML page and as PDF."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from geo.names.gazetteer import Register
from maps.printing import html_to_pdf, templates

SYNTHETIC_NOTE = "样例数据中乡镇、社区的位置为合成（synthetic）数据，名称与代码为真实数据。"
_ENV = templates()


def register_html(register: Register) -> str:
    """The register as a printable HTML page, names grouped by category."""
    groups = [(cat, list(rows))
              for cat, rows in groupby(register.entries, key=lambda r: r["category"])]
    return _ENV.get_template("register.html").render(
        title=f"{register.name}标准地名录", division=register.code,
        division_name=register.name, total=len(register.entries), groups=groups,
        today=dt.date.today().isoformat(), note=SYNTHETIC_NOTE)


def register_pdf(register: Register) -> bytes:
    """The register as PDF, printed by headless Chromium."""
    return html_to_pdf(register_html(register))
