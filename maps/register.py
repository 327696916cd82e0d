"""The printed 标准地名录 (register of standard names) of a division: a ``Register``
(``geo.names.register.register``) as a printable A4 HTML page and as PDF."""

from __future__ import annotations

from itertools import groupby

from geo.names.register import Register
from maps.printing import html_to_pdf, templates

SYNTHETIC_NOTE = "样例数据中乡镇、社区的位置为合成（synthetic）数据，名称与代码为真实数据。"
_ENV = templates()
_KINDS = {"naming": "命名", "renaming": "更名", "abolition": "销名"}


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def register_html(register: Register) -> str:
    """The register as a printable HTML page: names grouped by category (code and name),
    the recently approved ones marked, and the approved names not yet in force apart."""
    groups = [(code, rows[0]["category"], rows)
              for code, rows in ((code, list(rows)) for code, rows in
                                 groupby(register.entries, key=lambda r: r["category_code"]))]
    return _ENV.get_template("register.html").render(
        title=f"{register.name}标准地名录", division=register.code,
        division_name=register.name, total=len(register.entries), groups=groups,
        recent=sum(r["recent"] for r in register.entries), recent_days=register.recent_days,
        pending=register.pending, kinds=_KINDS, cn_date=_cn_date,
        today=register.today.isoformat(), note=SYNTHETIC_NOTE)


def register_pdf(register: Register) -> bytes:
    """The register as PDF, printed by headless Chromium."""
    return html_to_pdf(register_html(register))
