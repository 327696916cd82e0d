"""``civgeo map …``: write maps as HTML that work offline (DESIGN §5), and ``civgeo assets
fetch``, which fetches the browser assets they need.

Each map gathers its domain result, closes the connection, then draws it; the assets are
copied into ``vendor/`` beside the HTML.
"""

from __future__ import annotations

from pathlib import Path

from api.cli import command, group, output_file, output_folder, session

COVERAGE_MAPS = ("coverage", "indicators", "suggestions")


def _settings(args):
    """Map settings from the environment, with the assets beside the HTML, the basemap
    tiles from the running service and the labels in ``--lang`` (Chinese by default)."""
    from dataclasses import replace

    from api.web import i18n
    from maps.base import MapSettings

    return replace(MapSettings.for_files(),
                   gettext=i18n.translations(getattr(args, "lang", i18n.DEFAULT)).gettext)


def _with_assets(folder: Path) -> Path:
    """``folder`` with the map assets copied into it (once)."""
    from maps.assets import copy_beside

    copy_beside(folder)
    return folder


def assets_fetch(args) -> None:
    """Fetch Leaflet, jQuery, Bootstrap, the marker plugin, Font Awesome and Swagger UI from
    the npm registry (for offline maps and API docs)."""
    from maps.assets import assets_dir, fetch_assets

    fetched = fetch_assets()
    print(f"assets in {assets_dir()}: " + (f"fetched {', '.join(fetched)}" if fetched
                                           else "all present"))


def overview(args) -> None:
    """Write an overview map (HTML) per loaded dataset, or for one division."""
    from geo import datasets
    from maps.overview import overview_map

    out, settings = _with_assets(output_folder(args.out)), _settings(args)
    with session() as conn:
        views = ([datasets.overview(conn, args.division)] if args.division
                 else datasets.overviews(conn))
    for view in views:
        path = out / f"overview-{view.name}.html"
        overview_map(view, settings=settings).save(str(path))
        print(f"wrote {path} ({len(view.frame)} divisions)")


def names(args) -> None:
    """Write a map of a place-name search (HTML), with why each name matched."""
    from geo.names import search
    from maps.names_map import names_map

    out, settings = _with_assets(output_folder(args.out)), _settings(args)
    with session() as conn:
        found = search.names_map(conn, args.query, division=args.division)
    path = out / f"names-{args.query}.html"
    names_map(found, settings=settings).save(str(path))
    print(f"wrote {path} ({len(found.frame)} of {len(found.why)} hits have a location)")


def road(args) -> None:
    """Write the map of a road's house numbering (doors by parity, order, findings)."""
    from geo.plates import roads, validation
    from maps.road import road_map

    out, settings = output_file(args.out), _settings(args)
    _with_assets(out.parent)
    with session() as conn:
        found = validation.road_map(conn, roads.resolve(conn, args.road))
    road_map(found, settings=settings).save(str(out))
    print(f"wrote {out}")


def coverage(args) -> None:
    """Write the coverage, indicator (beds per 1000 elderly) and suggestion maps of a
    division (HTML)."""
    out, settings = _with_assets(output_folder(args.out)), _settings(args)
    with session() as conn:
        found = _coverage_results(conn, args)
    for name, result in found.items():
        path = out / f"{name}-{args.division}.html"
        _coverage_map(name, result, settings).save(str(path))
        print(f"wrote {path}")


def _coverage_results(conn, args) -> dict:
    """The domain result of each coverage map asked for, by map name."""
    from geo.coverage import circle, indicators, suggest

    gather = {
        "coverage": lambda: circle.circle_map(conn, args.division, minutes=args.minutes),
        "indicators": lambda: indicators.indicators(conn, args.division),
        "suggestions": lambda: suggest.suggestions_map(conn, args.division, k=args.k)}
    return {name: gather[name]() for name in args.only or COVERAGE_MAPS}


def _coverage_map(name: str, result, settings):
    """The coverage map ``name`` drawn from its result."""
    from maps import coverage as draw

    if name == "coverage":
        return draw.coverage_map(result, settings=settings)
    if name == "indicators":
        return draw.indicators_map(result, "beds_per_1000", settings=settings)
    return draw.suggestions_map(result, settings=settings)


def boundary(args) -> None:
    """Write the map of a boundary line (markers, displacements, patrols, hazards) of one
    inspection, by default the latest."""
    from geo.boundaries.report import line_map
    from maps.boundary import boundary_map

    out, settings = _with_assets(output_folder(args.out)), _settings(args)
    with session() as conn:
        found = line_map(conn, args.line, args.inspection)
    path = out / f"boundary-{found.line['number']}.html"
    boundary_map(found, settings=settings).save(str(path))
    print(f"wrote {path}")


def _lang(parser) -> None:
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language of the map's labels (default: %(default)s)")


def _register_maps(mp) -> None:
    """The maps of ``civgeo map`` (labels in Chinese, or English with ``--lang en``)."""
    ov = command(mp, "overview", overview)
    _lang(ov)
    ov.add_argument("--division", help="a division code (default: every loaded dataset)")
    ov.add_argument("--out", default="maps-out", help="folder for the HTML files "
                                                      "(default: %(default)s)")
    mn = command(mp, "names", names)
    _lang(mn)
    mn.add_argument("query", help="a name or part of one, as `civgeo names search`")
    mn.add_argument("--division", help="only names under this division code")
    mn.add_argument("--out", default="maps-out", help="folder for the HTML file "
                                                      "(default: %(default)s)")
    mr = command(mp, "road", road)
    _lang(mr)
    mr.add_argument("road", metavar="ROAD", help="road id or name (the one current road "
                                                 "with that name)")
    mr.add_argument("--out", required=True, help="the HTML file (assets go beside it)")
    mc = command(mp, "coverage", coverage)
    _lang(mc)
    mc.add_argument("division", help="a division code, e.g. 430202")
    mc.add_argument("--minutes", type=float, help="walking limit of the coverage map "
                                                  "(default: the circle_minutes setting)")
    mc.add_argument("-k", type=int, default=3, help="suggestions on the suggestion map "
                                                    "(default: %(default)s)")
    mc.add_argument("--only", action="append", choices=COVERAGE_MAPS,
                    help="only this map (repeat for more; default: all three)")
    mc.add_argument("--out", default="maps-out", help="folder for the HTML files "
                                                      "(default: %(default)s)")
    mb = command(mp, "boundary", boundary)
    _lang(mb)
    mb.add_argument("line", help="line id, name (株衡线) or number")
    mb.add_argument("--inspection", type=int, help="an inspection of the line (default: "
                                                   "its latest)")
    mb.add_argument("--out", default="maps-out", help="folder for the HTML file "
                                                      "(default: %(default)s)")


def register(subparsers) -> None:
    """Add ``civgeo map …`` and ``civgeo assets fetch``."""
    assets = group(subparsers, "assets", "offline browser assets")
    command(assets, "fetch", assets_fetch)
    _register_maps(group(subparsers, "map", "write maps as HTML", metavar="MAP"))
