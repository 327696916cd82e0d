"""The cross-check against independent sources (on a small sample) and the
``civgeo names romanize`` command."""

import json
import subprocess
import sys

from geo.names import crosscheck as cc

CEDICT = ('export default {"长白":{"Chang2 bai2":[[1],[]]},"六安":{"Lu4 an1":[[2],[]]},'
          '"朝阳":{"Chao2 yang2":[[3],[]],"zhao1 yang2":[[4],[]]},"吕梁":{"Lu:3 liang2":[[5],[]]},'
          '"筠连":{"Yun2 lian2":[[6],[]]}};')
PINYIN_PRO = json.dumps({"长白": ["cháng bái", 1e-10], "六安": ["lù ān", 1e-10],
                         "洪洞": ["hóng dòng", 1e-11], "台州": ["tái zhōu", 1e-11]},
                        ensure_ascii=False)


def test_sources_are_parsed_into_numbered_syllables():
    cedict = cc.parse_cedict(CEDICT)
    assert cedict["长白"] == [("chang2", "bai2")]
    assert cedict["朝阳"] == [("chao2", "yang2")]      # the proper noun only
    assert cedict["吕梁"] == [("lü3", "liang2")]
    pro = cc.parse_pinyin_pro(PINYIN_PRO)
    assert pro["洪洞"] == [("hong2", "dong4")]


def test_compare_and_leading_word():
    assert cc.leading_word("长白街", {"长白": 1, "长白街道": 1}) == "长白"
    assert cc.leading_word("东街", {"长白": 1}) is None
    assert cc.compare(["tai1", "zhou1"], [("tai2", "zhou1")]) == "tone"
    assert cc.compare(["zhang3", "bai2"], [("chang2", "bai2")]) == "syllable"
    assert cc.compare(["chang2", "bai2"], [("chang2", "bai2")]) == "agree"


def test_crosscheck_before_and_after_the_lexicon():
    rows = [("220623", "长白朝鲜族自治县", "0403"), ("341500", "六安市", "0402"),
            ("511527", "筠连县", "0403"), ("141024", "洪洞县", "0403"),
            ("331000", "台州市", "0402"), ("430202", "长白街", "0801")]
    sources = {"cc-cedict": cc.parse_cedict(CEDICT),
               "pinyin-pro": cc.parse_pinyin_pro(PINYIN_PRO)}
    report = cc.crosscheck(rows, {}, workers=1, sources=sources)
    assert report["names"] == 6
    counties = report["counties"]
    assert counties["names"] == 3
    changed = {c["name"]: (c["before"], c["after"]) for c in counties["changes"]}
    assert changed["长白朝鲜族自治县"][1].startswith("Changbai")
    assert changed["长白朝鲜族自治县"][0].startswith("Zhangbai")
    assert changed["筠连县"] == ("Yunlian Xian", "Junlian Xian")
    cedict = report["sources"]["cc-cedict"]
    # 长白 twice is a syllable disagreement before, an agreement after (六安 is a pypinyin
    # phrase already); 筠连 is
    # the reverse (CC-CEDICT reads yún: the source is wrong, the lexicon says why).
    assert cedict["before"]["all"] == {"syllable": 2, "agree": 2}
    assert cedict["after"]["all"] == {"agree": 3, "syllable": 1}
    left = [r for r in cedict["counties"] if r["after_kind"] == "syllable"]
    assert [r["name"] for r in left] == ["筠连县"]
    pro = report["sources"]["pinyin-pro"]
    assert pro["after"]["all"] == {"agree": 3, "syllable": 1, "tone": 1}   # 洪洞; 台州 tái
    assert pro["after"]["counties"] == {"agree": 1, "syllable": 1}


def test_summary_lines_carry_the_figures():
    report = {"names": 2, "readings_changed": 1,
              "counties": {"names": 1, "romanized": 1, "changed_by_lexicon": 1, "changes": []},
              "sources": {"x": {"compared": {"counties": 1, "all": 2},
                                "before": {"counties": {"syllable": 1}, "all": {"syllable": 2}},
                                "after": {"counties": {"agree": 1}, "all": {"agree": 2}},
                                "counties": []}}}
    text = "\n".join(cc.summary_lines(report))
    assert "changed by the lexicon: 1" in text
    assert "x [counties] compared 1: before 1 syllable / 0 tone-only" in text


def _civgeo(*args):
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_romanize_command_prints_both_forms_and_explains():
    r = _civgeo("names", "romanize", "长白街", "六安市")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["长白街\tChangbai Jie\tChángbái Jiē",
                                     "六安市\tLu'an Shi\tLù'ān Shì"]
    r = _civgeo("names", "romanize", "--explain", "长白街")
    assert "长 cháng    lexicon word 长白 (" in r.stdout
    assert "街 jiē      pypinyin" in r.stdout
    assert "专名 长白  通名 街" in r.stdout


def test_romanize_command_options():
    r = _civgeo("names", "romanize", "--category", "0502", "东山")
    assert r.stdout.strip() == "东山\tDongshan\tDōngshān"
    r = _civgeo("names", "romanize", "--joined", "王村", "周口店")
    assert r.stdout.splitlines() == ["王村\tWangcun\tWángcūn", "周口店\tZhoukoudian\tZhōukǒudiàn"]
    r = _civgeo("names", "romanize", "--generic", "江", "湘江")
    assert r.stdout.strip() == "湘江\tXiang Jiang\tXiāng Jiāng"
    r = _civgeo("names", "romanize", "--generic", "路", "湘江")
    assert r.returncode != 0 and "generic" in (r.stderr + r.stdout)
