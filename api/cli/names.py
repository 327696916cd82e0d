"""``civgeo names …``: search the standard names and print a division's register
(标准地名录)."""

from __future__ import annotations

from api.cli import command, group, session, write_page


def search(args) -> None:
    """Search standard names (Chinese, pinyin or initials, typos forgiven); each hit says
    why it matched."""
    from geo.names import search as names

    with session() as conn:
        hits = names.search(conn, args.query, division=args.division, limit=args.limit)
    for h in hits:
        print(f"{h['id']:>8}  {h['name']:<12} {h['roman'] or '':<24} {h['category']:<10} "
              f"{h['within'] or '':<24} [{h['why']}]")


def register_page(args) -> None:
    """Write the 标准地名录 (register of standard names) of a division: HTML, or PDF when
    --out ends in .pdf."""
    from geo.names import gazetteer
    from maps.register import register_html, register_pdf

    with session() as conn:
        found = gazetteer.register(conn, args.division)
    out = write_page(args.out, found, html=register_html, pdf=register_pdf)
    print(f"wrote {out}")


def register(subparsers) -> None:
    """Add ``civgeo names search|register``."""
    nm = group(subparsers, "names", "place names")
    found = command(nm, "search", search)
    found.add_argument("query", help="a name or part of one: 荷塘, hetang, ht …")
    found.add_argument("--division", help="only names under this division code")
    found.add_argument("--limit", type=int, default=10,
                       help="at most this many hits, 1 to 100 (default: %(default)s)")
    page = command(nm, "register", register_page)
    page.add_argument("division", help="a division code, e.g. 430202")
    page.add_argument("--out", required=True, help="register.html, or register.pdf for a PDF")
