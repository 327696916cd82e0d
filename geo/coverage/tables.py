"""Coverage tables for download (XLSX, or CSV that Excel opens as UTF-8): a division's
indicators (each with its value, target and method note), its communities (status, covered
elderly, nearest site, distance and the reason) and its sites (capacity and load); on a
population grid also its districts counted per cell beside the community-centroid method
and its hot spots of uncovered elderly; what the figures rest on (``about``: method,
population source and credit); and a saved scenario's sites and the communities they newly
cover.

Headers are Chinese first with the field name after (``社区代码 code``), so that a sheet
reads in Excel and still maps back to the JSON API's fields.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from geo.coverage import circle as circles
from geo.coverage import hotspots as hot
from geo.coverage import indicators as indicator_tables
from geo.coverage import scenarios as saved
from geo.errors import InvalidInput

FORMATS = ("xlsx", "csv")

STATUS_ZH = {circles.COVERED: "已覆盖", circles.PARTLY: "部分覆盖", circles.FULL: "超出容量",
             circles.TOO_FAR: "距离过远", circles.OFF_NETWORK: "不在路网上",
             circles.EMPTY: "人口网格上无老年人"}
KIND_ZH = {"suggestions": "选址建议", "what_if": "新增站点试算"}

# Indicator → (Chinese name, target key, ok key, what it counts). Distance-based ones also
# carry the division's method note (network or straight-line).
INDICATORS = (
    ("beds_per_1000", "每千名老年人养老床位数", "beds_per_1000", "beds_ok",
     "beds in open eldercare sites ÷ people aged 60+ × 1000", False),
    ("nursing_share", "护理型床位占比", "nursing_share", "nursing_ok",
     "nursing beds ÷ institutional beds", False),
    ("community_coverage_urban", "城市社区养老服务设施覆盖率", "community_coverage_urban",
     "community_coverage_urban_ok",
     "share of urban communities (社区) within the walking limit of a site", True),
    ("community_coverage_rural", "农村社区养老服务设施覆盖率", "community_coverage_rural",
     "community_coverage_rural_ok",
     "share of villages (村) within the walking limit of a site", True),
    ("circle_elderly_share", "15分钟养老服务圈老年人覆盖率", None, None,
     "share of the elderly the circle serves, site capacity counted", True),
    ("cemetery_village_coverage", "公益性公墓村覆盖率", "cemetery_village_coverage",
     "cemetery_ok", "share of villages whose township has a public cemetery", False),
    ("relief_share_within_sla", "救灾物资时限内可达人口比例", None, "relief_ok",
     "share of people within the time limit by road of a relief warehouse", False),
)


@dataclass(frozen=True)
class Table:
    """One sheet: its key (``communities``), its Chinese title, its columns (field,
    Chinese header) and its rows (dicts by field)."""

    key: str
    title: str
    columns: tuple[tuple[str, str], ...]
    rows: list[dict]

    def headers(self) -> list[str]:
        return [f"{zh} {field}" for field, zh in self.columns]


@dataclass(frozen=True)
class Tables:
    """The sheets of a download and its file name (without extension): Chinese, and an
    ASCII fallback for clients that cannot read RFC 5987 names."""

    name: str
    ascii_name: str
    tables: tuple[Table, ...]

    def pick(self, key: str | None) -> Tables:
        """Only the sheet ``key`` (all when None); InvalidInput naming ``table`` otherwise."""
        if key is None:
            return self
        for t in self.tables:
            if t.key == key:
                return Tables(f"{self.name}_{t.title}", f"{self.ascii_name}-{key}", (t,))
        raise InvalidInput(f"table must be one of {', '.join(t.key for t in self.tables)}",
                           field="table")


def division_tables(conn, code: str, *, minutes: float | None = None,
                    speed: float | None = None, profile: str | None = None,
                    capacity: bool = True) -> Tables:
    """A division's indicators, communities and sites, as ``/coverage/indicators`` and
    ``/coverage/circle`` give them (``capacity`` for the communities and sites)."""
    ind = indicator_tables.indicators(conn, code, minutes=minutes, speed=speed,
                                      profile=profile)
    result = circles.circle(conn, code, minutes=minutes, speed=speed, profile=profile,
                            capacity=capacity)
    div = result["division"]
    grid = ()
    if result["demand"] == "cells":
        grid = (_districts(hot.compare(conn, code, minutes=minutes, speed=speed,
                                       profile=profile)),
                _hotspots(hot.hotspots(conn, code, minutes=minutes, speed=speed,
                                       profile=profile, capacity=capacity)))
    return Tables(f"{div['name']}{div['code']}_养老服务覆盖", f"coverage-{div['code']}",
                  (_about(result), _indicators(ind), _communities(result), _sites(result),
                   *grid))


def _about(result: dict) -> Table:
    """What the figures rest on: the walk, how distances and people were counted, and the
    credits the data's licences ask for."""
    rows = [{"item": k, "value": v} for k, v in (
        ("division", f"{result['division']['name']} {result['division']['code']}"),
        ("minutes", result["minutes"]), ("speed_m_per_min", result["speed_m_per_min"]),
        ("method", result["method"]), ("method_note", result["note"]),
        ("network_attribution", result.get("attribution")),
        ("demand", result["demand"]), ("population_note", result["population_note"]),
        ("population_scaled", result["population_scaled"]),
        ("population_credit", result["population_credit"]),
        ("distance_basis", result.get("distance_basis")))]
    return Table("about", "说明", (("item", "项目"), ("value", "内容")), rows)


def _districts(found: dict) -> Table:
    return Table("districts", "网格与社区中心对比", (
        ("code", "区划代码"), ("name", "区划名称"), ("level", "层级"),
        ("communities", "社区数"), ("cells", "人口网格数"), ("elderly", "60岁以上人口"),
        ("covered_share_cells", "覆盖率(按网格)"),
        ("covered_share_centroids", "覆盖率(按社区中心)"), ("difference_pp", "差值(百分点)"),
        ("within_share_cells", "15分钟内比例(按网格,不计容量)"),
        ("within_share_centroids", "15分钟内比例(按社区中心,不计容量)"),
        ("hidden_elderly", "社区中心法误判为已覆盖的老年人")), [
        {**r, "population_credit": found["population_credit"]} for r in found["districts"]])


def _hotspots(found: dict) -> Table:
    rows = [{**f["properties"],
             "communities": "、".join(c["name"] for c in f["properties"]["communities"]),
             "townships": "、".join(f["properties"]["townships"])}
            for f in found["features"]]
    return Table("hotspots", "未覆盖热点", (
        ("rank", "序号"), ("uncovered_elderly", "未覆盖老年人"), ("cells", "网格数"),
        ("lon", "经度"), ("lat", "纬度"), ("too_far", "距离过远"),
        ("over_capacity", "站点已满"), ("off_network", "不在路网上"),
        ("median_walk_m", "步行中位数(米)"), ("median_walk_min", "步行中位数(分钟)"),
        ("nearest_site", "最近站点"), ("townships", "街道/乡镇"), ("communities", "社区")), rows)


def _indicators(ind: dict) -> Table:
    targets = ind["targets"]
    relief = ind["relief_method"]
    rows = []
    for f in ind["features"]:
        p = f["properties"]
        for key, zh, target, ok, what, by_distance in INDICATORS:
            note = what
            if by_distance:
                note += f"; {ind['minutes']:g} min at {ind['speed_m_per_min']:g} m/min; " \
                        f"{ind['note']}; {ind['population_note']}"
            elif key == "relief_share_within_sla":
                note += (f" ({targets['relief_sla_hours']:g} h at {relief['speed_kmh']:g} km/h, "
                         f"{relief['warehouses']} warehouses); {relief['note']}")
            rows.append({"division_code": p["code"], "division_name": p["name"],
                         "level": p["level"], "indicator": key, "indicator_name": zh,
                         "value": p.get(key),
                         "target": 1.0 if key == "relief_share_within_sla"
                         else targets.get(target) if target else None,
                         "ok": p.get(ok) if ok else None, "method": ind["method"],
                         "note": note})
    return Table("indicators", "指标", (
        ("division_code", "区划代码"), ("division_name", "区划名称"), ("level", "层级"),
        ("indicator", "指标代码"), ("indicator_name", "指标"), ("value", "数值"),
        ("target", "目标"), ("ok", "达标"), ("method", "测算方法"), ("note", "方法说明")), rows)


def _communities(result: dict) -> Table:
    source = result["population_credit"] or "2020年人口普查（按社区均摊，合成）"
    rows = [{**c, "status_name": STATUS_ZH.get(c["status"], c["status"]),
             "nearest_site_name": (c["nearest_site"] or {}).get("name"),
             "served_by_name": (c["served_by"] or {}).get("name"),
             "population_source": source}
            for c in result["communities"]]
    cells = ((("cells", "人口网格数"), ("cells_covered", "已覆盖网格数"))
             if result["demand"] == "cells" else ())
    distance = "距离(米,老年人中位数)" if result.get("distance_basis") == "median" else "距离(米)"
    return Table("communities", "社区", (
        ("code", "社区代码"), ("name", "社区名称"), ("township_name", "街道/乡镇"),
        ("urban", "城镇"), ("elderly", "60岁以上人口"), *cells, ("status", "状态代码"),
        ("status_name", "状态"), ("covered_elderly", "已覆盖老年人"),
        ("within_limit", "在步行时限内"),
        ("nearest_site_name", "最近站点"), ("distance_m", distance),
        ("minutes", "步行(分钟)"), ("served_by_name", "主要服务站点"),
        ("reason_code", "原因代码"), ("reason", "原因"), ("population_source", "人口来源")),
        rows)


def _sites(result: dict) -> Table:
    rows = [{**s, "load_share": None if not s["capacity_elderly"]
             else round(s["served_elderly"] / s["capacity_elderly"], 4)}
            for s in result["sites"]]
    return Table("sites", "站点", (
        ("id", "站点编号"), ("name", "站点名称"), ("type", "类型"), ("lon", "经度"),
        ("lat", "纬度"), ("places", "床位/服务位"), ("capacity_elderly", "可服务老年人"),
        ("served_elderly", "已服务老年人"), ("load_share", "负荷率"),
        ("catchment_elderly", "就近老年人"), ("catchment_communities", "就近社区数"),
        ("full", "满员"), ("on_network", "在路网上"), ("inside", "在本区划内")), rows)


def scenario_tables(conn, scenario_id: int) -> Tables:
    """A saved scenario's summary, its sites and the communities they newly cover."""
    fig = saved.figures(saved.scenario(conn, scenario_id))
    a = fig["assumptions"]
    summary = [{"item": k, "value": v} for k, v in (
        ("name", fig["name"]), ("kind", f"{KIND_ZH.get(fig['kind'], fig['kind'])} {fig['kind']}"),
        ("division", fig["division"]), ("newly_covered_elderly", fig["newly_covered_elderly"]),
        ("share_before", fig["share_before"]), ("share_after", fig["share_after"]),
        ("minutes", a.get("minutes")), ("speed_m_per_min", a.get("speed_m_per_min")),
        ("profile", a.get("profile")), ("capacity", a.get("capacity")),
        ("created_by", fig["created_by"]), ("created_at", fig["created_at"]),
        ("population_credit", fig.get("population_credit")))]
    sites = [{**s, "communities": len(s["communities"])} for s in fig["sites"]]
    comms = [{"rank": s["rank"], "label": s["label"], **c}
             for s in fig["sites"] for c in s["communities"]]
    return Tables(f"方案{fig['id']}_{fig['name']}", f"scenario-{fig['id']}", (
        Table("summary", "方案", (("item", "项目"), ("value", "值")), summary),
        Table("sites", "新增站点", (
            ("rank", "序号"), ("label", "站点名称"), ("lon", "经度"), ("lat", "纬度"),
            ("newly_covered_elderly", "新覆盖老年人"), ("communities", "新覆盖社区数")), sites),
        Table("communities", "新覆盖社区", (
            ("rank", "站点序号"), ("label", "站点名称"), ("code", "社区代码"),
            ("name", "社区名称"), ("elderly_gained", "新覆盖老年人"), ("distance_m", "距离(米)"),
            ("minutes", "步行(分钟)")), comms)))


def _cell(v):
    """A value a spreadsheet cell holds: JSON text for lists and objects, ISO text for
    times with a zone (Excel takes none)."""
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def to_xlsx(tables: Tables) -> bytes:
    """The tables as an XLSX workbook, one sheet each, the header row frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for t in tables.tables:
        sheet = book.create_sheet(t.title[:31])
        sheet.append(t.headers())
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in t.rows:
            sheet.append([_cell(row.get(field)) for field, _ in t.columns])
        sheet.freeze_panes = "A2"
        for i, header in enumerate(t.headers()):
            sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = \
                min(max(len(header) + 4, 10), 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(table: Table) -> bytes:
    """One table as CSV in UTF-8 with a BOM, so that Excel on a Chinese Windows reads it."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(table.headers())
    for row in table.rows:
        w.writerow(["" if (v := _cell(row.get(field))) is None else v
                    for field, _ in table.columns])
    return out.getvalue().encode("utf-8-sig")


def render(tables: Tables, fmt: str, key: str | None = None) -> tuple[bytes, Tables]:
    """The file of ``tables`` in ``fmt`` (xlsx: every sheet, or ``key``'s; csv: ``key``'s,
    the communities by default) and the tables it holds (for its file name)."""
    if fmt not in FORMATS:
        raise InvalidInput("format must be xlsx or csv", field="format")
    if fmt == "csv":
        chosen = tables.pick(key or "communities")
        return to_csv(chosen.tables[0]), chosen
    chosen = tables.pick(key)
    return to_xlsx(chosen), chosen
