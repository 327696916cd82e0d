"""罗马字母拼写 of place names by the 1984 rules (中国地名汉语拼音字母拼写规则, DOMAIN §B).

- 专名 and 通名 are written apart (汾河 Fen He); a generic that has become part of the
  proper name stays in it (黑龙江省 Heilongjiang Sheng).
- Natural villages and towns are written as one word (周口店 Zhoukoudian, 王村 Wangcun).
- A one-syllable modifier goes with the part it modifies: generics such as 新河, 后街 are
  listed with their modifier (``data/generics.txt``).
- Numerals are spelled in pinyin (五指山 Wuzhi Shan), except street ordinals before 条 / 巷
  / 弄 / 胡同, which are Arabic digits (东四十二条 Dongsi 12 Tiao); 第N is its own word.
- Place-name readings of polyphones come from ``data/readings.tsv`` on top of pypinyin.
- Apostrophe before a/o/e starting a non-initial syllable (Chang'an); 儿化 as ``r``.
- Minority-language names (``data/minority.txt``) are never generated: a romanization must
  be entered by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin, load_phrases_dict

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
def generics() -> tuple[str, ...]:
    """Known 通名, longest first (so 自治区 wins over 区)."""
    return tuple(sorted(set(_lines("generics.txt")), key=len, reverse=True))


@cache
def _minority() -> tuple[str, ...]:
    return tuple(_lines("minority.txt"))


@cache
def _load_readings() -> bool:
    phrases = {}
    for line in _lines("readings.tsv"):
        word, reading = line.split("\t")
        syllables = reading.split()
        if len(syllables) != len(word):
            raise ValueError(f"readings.tsv: {word} has {len(word)} characters but "
                             f"{len(syllables)} syllables")
        phrases[word] = [[s] for s in syllables]
    load_phrases_dict(phrases)
    return True


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


def split(name: str, generic: str | None = None) -> Split:
    """Split ``name`` into 第N, 专名, street number and 通名 (``generic`` overrides the lookup).

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
        generic = next((g for g in generics() if rest.endswith(g) and len(rest) > len(g)), "")
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
    _load_readings()
    plain = lazy_pinyin(text, style=Style.NORMAL, errors="default", v_to_u=True)
    styled = lazy_pinyin(text, style=style, errors="default", v_to_u=True)
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
             manual: str | None = None) -> Romanization:
    """Romanize a standard name.

    Parameters
    ----------
    joined
        Write the whole name as one word (natural villages and towns, rule 3).
    generic
        The 通名 when the caller knows it; otherwise the longest known suffix.
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
    """
    if manual:
        return Romanization(manual.strip(), manual.strip())
    if not name or not _HAN.match(name):
        raise InvalidInput("a place name to romanize must be Chinese characters only",
                           field="name")
    if needs_manual(name):
        raise InvalidInput(f"{name} is a minority-language name: enter its romanization by hand",
                           field="roman")
    parts = split(name, generic)
    return Romanization(*(_assemble(parts, style, joined) for style in (Style.NORMAL,
                                                                          Style.TONE)))


def _assemble(parts: Split, style: Style, joined: bool) -> str:
    text = parts.ordinal + parts.proper + parts.generic
    cut1, cut2 = len(parts.ordinal), len(parts.ordinal) + len(parts.proper)
    ends = {len(text) - 1} if joined else {c - 1 for c in (cut1, cut2, len(text)) if c}
    syl = _syllables(text, style, ends)
    if joined:
        return _word(syl)
    words = [_word(syl[:cut1]), _word(syl[cut1:cut2]), parts.number, _word(syl[cut2:])]
    return " ".join(w for w in words if w)
