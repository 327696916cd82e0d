"""罗马字母拼写 of place names by the 1984 rules (中国地名汉语拼音字母拼写规则, DOMAIN §B).

- 专名 and 通名 are written apart (汾河 Fen He); a generic that has become part of the
  proper name stays in it (黑龙江省 Heilongjiang Sheng).
- Natural villages and towns are written as one word (周口店 Zhoukoudian, 王村 Wangcun).
- A one-syllable modifier goes with the part it modifies: generics such as 新河, 后街 are
  listed with their modifier (``data/generics.txt``).
- Numerals are spelled in pinyin (五指山 Wuzhi Shan), except street ordinals before 条 / 巷
  / 弄 / 胡同, which are Arabic digits (东四十二条 Dongsi 12 Tiao); 第N is its own word.
- Place-name readings of polyphones come from the lexicon ``data/readings.tsv`` on top of
  pypinyin: character defaults (长 reads cháng in names), word entries (长子 zhǎng) and
  county-level exceptions (六安 lù), each with its source. ``explain`` says which entry (or
  pypinyin) decided each syllable.
- Which suffixes count as a 通名 depends on the category (``data/generic_classes.tsv``):
  the village 东山 has no village generic, so it is one word (Dongshan), while the
  mountain 东山 is Dong Shan. Compound generics (街区, 开发区, 工业园区) are whole.
- Apostrophe before a/o/e starting a non-initial syllable (Chang'an); 儿化 as ``r``.
- Minority-language names (``data/minority.txt``) are never generated: a romanization must
  be entered by hand.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin, load_phrases_dict, load_single_dict
from pypinyin.constants import PINYIN_DICT
from pypinyin.seg.simpleseg import seg

from geo.errors import InvalidInput

_DATA = Path(__file__).with_name("data")
_NUMERALS = "零〇一二两三四五六七八九十百千"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_ORDINAL_GENERICS = ("条", "巷", "弄", "胡同", "里")
_DIRECTIONS = "东西南北"
# CJK unified ideographs: the basic block, extension A and extensions B onwards.
HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_HAN = re.compile(rf"^[{HAN_CHARS}\u3007]+$")


def _lines(name: str) -> list[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def _generic_table() -> tuple[tuple[str, str], ...]:
    """(通名, class) from ``generics.txt``, where ``[class]`` lines open a section."""
    out, klass = [], ""
    for line in _lines("generics.txt"):
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            klass = m.group(1)
            continue
        if not klass:
            raise ValueError(f"generics.txt: {line} comes before any [class] line")
        out.append((line, klass))
    return tuple(out)


@cache
def _generic_words() -> dict[str, tuple[str, ...]]:
    """Compound generics written as several words: 经济技术开发区 → (经济, 技术, 开发区)."""
    return {g.replace(" ", ""): tuple(g.split()) for g, _ in _generic_table() if " " in g}


@cache
def _category_classes() -> tuple[tuple[str, frozenset[str]], ...]:
    """(category code prefix, generic classes), longest prefix first."""
    rows = []
    for line in _lines("generic_classes.tsv"):
        prefix, classes = line.split("\t")
        rows.append((prefix, frozenset(classes.split(","))))
    return tuple(sorted(rows, key=lambda r: len(r[0]), reverse=True))


@cache
def generics(category: str | None = None) -> tuple[str, ...]:
    """Known 通名 for names of ``category`` (all of them when None), longest first (so
    自治区 wins over 区 and 工业园区 over 区)."""
    allowed = None
    if category:
        allowed = next((c for p, c in _category_classes() if category.startswith(p)), None)
    found = {g.replace(" ", "") for g, klass in _generic_table()
             if allowed is None or klass in allowed}
    return tuple(sorted(found, key=len, reverse=True))


@cache
def data_version() -> str:
    """A short hash of the data that decides romanizations (generics, the lexicon, the
    minority list), for caches of romanized names: change the data, and they are redone."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("generics.txt", "generic_classes.tsv", "readings.tsv", "minority.txt"):
        digest.update((_DATA / name).read_bytes())
    return digest.hexdigest()[:10]


@cache
def _minority() -> tuple[str, ...]:
    return tuple(_lines("minority.txt"))


# ---------------------------------------------------------------- the reading lexicon

_TONE_MARKS = "\u0304\u0301\u030c\u0300"   # macron, acute, caron, grave (ü keeps its ¨)
KINDS = ("char", "word", "county")
LEXICON_HEADER = ["text", "reading", "kind", "source"]


def toneless(syllable: str) -> str:
    """A tone-marked syllable without its tone mark (ü kept): lǘ → lü."""
    decomposed = unicodedata.normalize("NFD", syllable)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


@cache
def valid_syllables() -> frozenset[str]:
    """Every tone-less syllable pypinyin knows for some character (ü written ü)."""
    out = set()
    for readings in PINYIN_DICT.values():
        out.update(toneless(r) for r in readings.split(","))
    return frozenset(out)


@dataclass(frozen=True)
class Entry:
    """One line of the place-name reading lexicon."""

    text: str
    reading: tuple[str, ...]   # tone-marked, one syllable per character
    kind: str                  # char: default reading in names; word; county: division names
    source: str


def parse_lexicon(text: str, where: str = "readings.tsv") -> dict[str, Entry]:
    """Parse the lexicon strictly: the header, four fields, Chinese characters only, one
    valid syllable (at most one tone mark) per character, a known kind, a source, no
    duplicates; a ``char`` entry must be one of that character's readings."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.startswith("#")]
    if not lines or lines[0][1].split("\t") != LEXICON_HEADER:
        raise ValueError(f"{where}: the first line must be the header "
                         f"{' '.join(LEXICON_HEADER)} (tab-separated)")
    out: dict[str, Entry] = {}
    for n, line in lines[1:]:
        fields = line.split("\t")
        if len(fields) != 4 or not all(f.strip() for f in fields):
            raise ValueError(f"{where}:{n}: expected 4 non-empty tab-separated fields")
        word, reading, kind, source = (f.strip() for f in fields)
        syllables = reading.split()
        if not _HAN.match(word):
            raise ValueError(f"{where}:{n}: {word} is not Chinese characters only")
        if len(syllables) != len(word):
            raise ValueError(f"{where}:{n}: {word} has {len(word)} characters but "
                             f"{len(syllables)} syllables")
        for s in syllables:
            marks = sum(c in _TONE_MARKS for c in unicodedata.normalize("NFD", s))
            if toneless(s) not in valid_syllables() or marks > 1 or s != s.lower():
                raise ValueError(f"{where}:{n}: {s} is not a valid pinyin syllable")
        if kind not in KINDS:
            raise ValueError(f"{where}:{n}: kind {kind} is not one of {', '.join(KINDS)}")
        if kind == "char":
            if len(word) != 1:
                raise ValueError(f"{where}:{n}: a char entry is one character")
            known = PINYIN_DICT.get(ord(word), "").split(",")
            if syllables[0] not in known:
                raise ValueError(f"{where}:{n}: {reading} is not a reading of {word} "
                                 f"({', '.join(known)})")
        if word in out:
            raise ValueError(f"{where}:{n}: {word} is listed twice")
        out[word] = Entry(word, tuple(syllables), kind, source)
    return out


@cache
def lexicon() -> dict[str, Entry]:
    """The place-name reading lexicon (``data/readings.tsv``)."""
    return parse_lexicon((_DATA / "readings.tsv").read_text(encoding="utf-8"))


def lexicon_enabled() -> bool:
    """False when ``CIVGEO_READINGS=off``: pypinyin alone (the cross-check's baseline)."""
    return os.environ.get("CIVGEO_READINGS", "on") != "off"


@cache
def _load_readings() -> bool:
    """Put the lexicon into pypinyin (once per process): words as phrases, characters as
    their first reading, so every reader in the process (search keys too) agrees."""
    if not lexicon_enabled():
        return False
    entries = lexicon().values()
    singles = {}
    for e in (e for e in entries if e.kind == "char"):
        others = [r for r in PINYIN_DICT[ord(e.text)].split(",") if r != e.reading[0]]
        singles[ord(e.text)] = ",".join([e.reading[0], *others])
    load_single_dict(singles)
    load_phrases_dict({e.text: [[s] for s in e.reading] for e in entries if e.kind != "char"})
    return True


@dataclass(frozen=True)
class Syllable:
    """How one character is read, and what decided it."""

    char: str
    plain: str
    toned: str
    by: str   # "lexicon word 长白 (source)", "pypinyin phrase 社区", "pypinyin"


def read(text: str) -> list[Syllable]:
    """The reading of ``text`` character by character, with what decided each syllable."""
    loaded = _load_readings()
    entries = lexicon() if loaded else {}
    out: list[Syllable] = []
    for word in seg(text):
        plain = lazy_pinyin(word, style=Style.NORMAL, errors="default", v_to_u=True)
        toned = lazy_pinyin(word, style=Style.TONE, errors="default", v_to_u=True)
        entry = entries.get(word)
        if entry:
            by = f"lexicon {entry.kind} {word} ({entry.source})"
        elif len(word) > 1:
            by = f"pypinyin phrase {word}"
        else:
            by = "pypinyin"
        out.extend(Syllable(c, p, t, by) for c, p, t in zip(word, plain, toned, strict=True))
    return out


@dataclass(frozen=True)
class Split:
    """A name split into its parts."""

    ordinal: str   # a leading 第N, written as its own word ('' if none)
    proper: str    # 专名
    number: str    # a street ordinal before the generic, as Arabic digits ('' if none)
    generic: str   # 通名 ('' if none)


@dataclass(frozen=True)
class Romanization:
    """Tone-less and tone-marked spellings."""

    plain: str
    toned: str


def needs_manual(name: str) -> bool:
    """Whether ``name`` is a minority-language name whose romanization is entered by hand."""
    return name.startswith(_minority())


def chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral below 10,000 (十二 → 12, 四十二 → 42), or None.

    >>> chinese_number("十二"), chinese_number("一千零五"), chinese_number("十二号")
    (12, 1005, None)
    """
    if not text or any(c not in _NUMERALS for c in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def split(name: str, generic: str | None = None, category: str | None = None) -> Split:
    """Split ``name`` into 第N, 专名, street number and 通名 (``generic`` overrides the lookup;
    ``category`` limits it to the generics of that kind of place).

    >>> split("东四十二条")   # 东四 is the place (Dongsi), 十二 the street's ordinal
    Split(ordinal='', proper='东四', number='12', generic='条')
    >>> split("东十二条")
    Split(ordinal='', proper='东', number='12', generic='条')
    """
    ordinal = ""
    rest = name
    m = re.match(rf"^第[{_NUMERALS}]+", rest)
    if m and len(rest) > m.end():
        ordinal, rest = m.group(), rest[m.end():]
    if generic is None:
        generic = next((g for g in generics(category)
                        if rest.endswith(g) and len(rest) > len(g)), "")
    elif not rest.endswith(generic):
        raise InvalidInput(f"{name} does not end with the generic {generic}", field="generic")
    proper = rest[: len(rest) - len(generic)]
    number = ""
    if generic in _ORDINAL_GENERICS:
        proper, number = _street_number(proper)
    return Split(ordinal, proper, number, generic)


def _street_number(proper: str) -> tuple[str, str]:
    """Peel a trailing numeral off the proper part: 东四十二 → (东四, 12)."""
    m = re.search(rf"[{_NUMERALS}]+$", proper)
    if not m or m.start() == 0:
        return proper, ""
    digits = m.group()
    # 东四十二: a bare direction left over means the first numeral belongs to the place
    # (东四 Dongsi), so the ordinal is the rest (十二 → 12). A numeral that starts with
    # 十/百/千 is whole (东十二条 Dong 12 Tiao).
    if (m.start() == 1 and proper[0] in _DIRECTIONS and len(digits) > 1
            and digits[0] in _DIGITS):
        return proper[:2], str(chinese_number(digits[1:]))
    value = chinese_number(digits)
    return (proper[: m.start()], str(value)) if value is not None else (proper, "")


def _syllables(text: str, style: Style, word_ends: set[int]) -> list[tuple[str, str]]:
    """(plain, styled) syllable per character, read over the whole name so phrases count
    across the 专名/通名 boundary (太行山: háng, not xíng). ü is written ü.

    儿化 (rule 10) merges 儿 into the syllable before it, leaving an empty entry, only
    where 儿 ends a word (``word_ends``: indexes of last characters), follows a character
    of the same word, and that pair is not a word of its own (女儿, 幼儿 are read nǚ'ér).
    """
    syllables = read(text)
    plain = [s.plain for s in syllables]
    styled = [s.toned if style == Style.TONE else s.plain for s in syllables]
    out: list[tuple[str, str]] = []
    for i, (ch, p, s) in enumerate(zip(text, plain, styled, strict=True)):
        if (ch == "儿" and i in word_ends and i - 1 not in word_ends and out
                and out[-1][0] and text[i - 1:i + 1] not in _phrases()):
            out[-1] = (out[-1][0], out[-1][1] + "r")  # 盆儿胡同 Penr Hutong
            out.append(("", ""))
            continue
        out.append((p, s))
    return out


@cache
def _phrases() -> dict:
    from pypinyin.phrases_dict import phrases_dict

    return phrases_dict


def _word(syllables: list[tuple[str, str]]) -> str:
    """Syllables joined, apostrophe before a non-initial a/o/e, first letter capital."""
    parts = []
    for plain, styled in (s for s in syllables if s[0]):
        parts.append(("'" if parts and plain[:1] in "aoe" else "") + styled)
    word = "".join(parts)
    return word[:1].upper() + word[1:]


def romanize(name: str, *, joined: bool = False, generic: str | None = None,
             manual: str | None = None, category: str | None = None) -> Romanization:
    """Romanize a standard name.

    Parameters
    ----------
    joined
        Write the whole name as one word (natural villages and towns, rule 3).
    generic
        The 通名 when the caller knows it; otherwise the longest known suffix among the
        generics of ``category`` (all generics when no category is given). A name with no
        known generic is written as one word.
    category
        The category code (``data/categories.csv``): a village committee's 东山 has no
        village generic (Dongshan), a mountain's 东山 has 山 (Dong Shan).
    manual
        A hand-entered romanization (required for minority-language names); returned as is.

    Examples
    --------
    >>> romanize("东四十二条").plain, romanize("长安街").plain, romanize("盆儿胡同").plain
    ('Dongsi 12 Tiao', "Chang'an Jie", 'Penr Hutong')
    >>> romanize("太行山").toned                 # the phrase reading: háng, not xíng
    'Tàiháng Shān'
    >>> romanize("王村", joined=True).plain     # a village: one word
    'Wangcun'
    >>> romanize("东山", category="0502").plain, romanize("东山", category="0301").plain
    ('Dongshan', 'Dong Shan')
    """
    if manual:
        return Romanization(manual.strip(), manual.strip())
    if not name or not _HAN.match(name):
        raise InvalidInput("a place name to romanize must be Chinese characters only",
                           field="name")
    if needs_manual(name):
        raise InvalidInput(f"{name} is a minority-language name: enter its romanization by hand",
                           field="roman")
    parts = split(name, generic, category)
    return Romanization(*(_assemble(parts, style, joined) for style in (Style.NORMAL,
                                                                          Style.TONE)))


def _assemble(parts: Split, style: Style, joined: bool) -> str:
    text = parts.ordinal + parts.proper + parts.generic
    cut1, cut2 = len(parts.ordinal), len(parts.ordinal) + len(parts.proper)
    # A compound generic listed with spaces (经济 技术 开发区) is written as those words.
    cuts = [cut2]
    for piece in _generic_words().get(parts.generic, (parts.generic,)):
        cuts.append(cuts[-1] + len(piece))
    ends = {len(text) - 1} if joined else {c - 1 for c in (cut1, *cuts) if c}
    syl = _syllables(text, style, ends)
    if joined:
        return _word(syl)
    words = [_word(syl[:cut1]), _word(syl[cut1:cut2]), parts.number,
             *(_word(syl[a:b]) for a, b in zip(cuts, cuts[1:], strict=False))]
    return " ".join(w for w in words if w)


def explain(name: str, *, joined: bool = False, generic: str | None = None,
            category: str | None = None) -> dict:
    """The romanization of ``name`` with its parts and, per character, the syllable and
    what decided it (a lexicon entry with its source, a pypinyin phrase, or pypinyin)."""
    roman = romanize(name, joined=joined, generic=generic, category=category)
    parts = split(name, generic, category)
    return {"name": name, "plain": roman.plain, "toned": roman.toned,
            "proper": parts.ordinal + parts.proper, "generic": parts.generic,
            "syllables": [s.__dict__ for s in read(name)]}
