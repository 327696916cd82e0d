"""The place-name reading lexicon (issue 17): 长 read cháng, county-level readings, the
1984 rules for names without a generic and for compound generics, the strict loader and
``explain``."""

import pytest

from geo.names import romanize as rz
from geo.names.romanize import parse_lexicon, romanize

HEADER = "text\treading\tkind\tsource\n"


# (name, category, tone-less, tone-marked or None)
ISSUE = [
    ("长堤社区", "0501", "Changdi Shequ", "Chángdī Shèqū"),
    ("长岭", "0501", "Changling", "Chánglǐng"),          # a community: no community generic
    ("长岭", "0301", "Chang Ling", "Cháng Lǐng"),        # a ridge: 岭 is its generic
    ("长阳花园社区", "0501", "Changyanghuayuan Shequ", None),
    ("长白街", "0801", "Changbai Jie", "Chángbái Jiē"),
    ("长白街", None, "Changbai Jie", None),
    ("长塘湾社区", "0501", "Changtangwan Shequ", None),   # 长 alone: the place-name default
    ("长庆街道", "0404", "Changqing Jiedao", None),
    ("长子县", "0403", "Zhangzi Xian", "Zhǎngzǐ Xiàn"),   # the word that keeps zhǎng
]


@pytest.mark.parametrize(("name", "category", "plain", "toned"), ISSUE)
def test_chang_in_place_names(name, category, plain, toned):
    got = romanize(name, category=category)
    assert got.plain == plain
    if toned:
        assert got.toned == toned


# County-level names whose place-name reading is not the everyday one (DOMAIN §B; the
# brief's list, checked against CC-CEDICT and pinyin-pro; 费县 is read Fèi by both and by
# the dictionaries, the old bì survives only locally).
COUNTIES = [
    ("六安市", "Lu'an Shi", "Lù'ān Shì"), ("蚌埠市", "Bengbu Shi", "Bèngbù Shì"),
    ("丽水市", "Lishui Shi", "Líshuǐ Shì"), ("番禺区", "Panyu Qu", "Pānyú Qū"),
    ("台州市", "Taizhou Shi", "Tāizhōu Shì"), ("铅山县", "Yanshan Xian", "Yánshān Xiàn"),
    ("乐亭县", "Laoting Xian", "Làotíng Xiàn"), ("歙县", "She Xian", "Shè Xiàn"),
    ("莘县", "Shen Xian", "Shēn Xiàn"), ("涡阳县", "Guoyang Xian", "Guōyáng Xiàn"),
    ("荥阳市", "Xingyang Shi", "Xíngyáng Shì"), ("郫都区", "Pidu Qu", "Pídū Qū"),
    ("枞阳县", "Zongyang Xian", "Zōngyáng Xiàn"), ("阆中市", "Langzhong Shi", "Làngzhōng Shì"),
    ("犍为县", "Qianwei Xian", "Qiánwéi Xiàn"), ("筠连县", "Junlian Xian", "Jūnlián Xiàn"),
    ("洪洞县", "Hongtong Xian", "Hóngtóng Xiàn"), ("大埔县", "Dabu Xian", "Dàbù Xiàn"),
    ("东阿县", "Dong'e Xian", "Dōng'ē Xiàn"), ("单县", "Shan Xian", "Shàn Xiàn"),
    ("尉犁县", "Yuli Xian", "Yùlí Xiàn"), ("费县", "Fei Xian", "Fèi Xiàn"),
    ("黄陂区", "Huangpi Qu", "Huángpí Qū"), ("虞城县", "Yucheng Xian", "Yúchéng Xiàn"),
    ("冼村街道", "Xiancun Jiedao", "Xiǎncūn Jiēdào"),
    # found by the cross-check
    ("花都区", "Huadu Qu", "Huādū Qū"), ("都匀市", "Duyun Shi", "Dūyún Shì"),
    ("什邡市", "Shifang Shi", "Shífāng Shì"), ("库尔勒市", "Ku'erle Shi", "Kù'ěrlè Shì"),
    ("乐陵市", "Laoling Shi", "Làolíng Shì"), ("南乐县", "Nanle Xian", "Nánlè Xiàn"),
    ("乐清市", "Yueqing Shi", "Yuèqīng Shì"), ("浚县", "Xun Xian", "Xùn Xiàn"),
    ("闵行区", "Minhang Qu", "Mǐnháng Qū"), ("马尾区", "Mawei Qu", "Mǎwěi Qū"),
    ("珲春市", "Hunchun Shi", "Húnchūn Shì"), ("漯河市", "Luohe Shi", "Luòhé Shì"),
    ("六合区", "Luhe Qu", "Lùhé Qū"), ("繁峙县", "Fanshi Xian", "Fánshì Xiàn"),
    ("泊头市", "Botou Shi", "Bótóu Shì"), ("佛冈县", "Fogang Xian", "Fógāng Xiàn"),
    ("穆棱市", "Muling Shi", "Mùlíng Shì"), ("万柏林区", "Wanbailin Qu", "Wànbǎilín Qū"),
    ("曾都区", "Zengdu Qu", "Zēngdū Qū"), ("柞水县", "Zhashui Xian", "Zhàshuǐ Xiàn"),
]


@pytest.mark.parametrize(("name", "plain", "toned"), COUNTIES)
def test_county_level_readings(name, plain, toned):
    got = romanize(name, category="0403")
    assert (got.plain, got.toned) == (plain, toned)


@pytest.mark.parametrize(("name", "plain"), [
    ("会稽山", "Kuaiji Shan"), ("太行路", "Taihang Lu"), ("六合村", "Liuhe Cun"),
    ("新圩镇", "Xinxu Zhen"), ("尖沙咀", "Jianshazui"), ("曾家村", "Zengjia Cun"),
    ("音乐厅路", "Yinyueting Lu"),     # a pypinyin phrase still wins over the char default
])
def test_word_entries_and_their_limits(name, plain):
    assert romanize(name).plain == plain


def test_a_village_without_a_village_generic_is_one_word():
    # Rule 3 and "no known generic": the village committee 东山 is Dongshan; the mountain
    # 东山 keeps 山 as its generic (rule 1). Without a category every generic is known.
    assert romanize("东山", category="0502").plain == "Dongshan"
    assert romanize("东山", category="0501").plain == "Dongshan"
    assert romanize("东山", category="0301").plain == "Dong Shan"
    assert romanize("东山", joined=True).plain == "Dongshan"
    assert romanize("东山").plain == "Dong Shan"
    assert romanize("东山村", category="0502").plain == "Dongshan Cun"
    assert rz.split("东山", category="0502").generic == ""


@pytest.mark.parametrize(("name", "category", "plain"), [
    ("阳光街区", None, "Yangguang Jiequ"),              # not "Yangguangjie Qu"
    ("阳光街区", "1101", "Yangguang Jiequ"),
    ("新街口商务商贸街区", "0404", "Xinjiekoushangwushangmao Jiequ"),   # Nanjing, township level
    ("曙光新村", None, "Shuguang Xincun"),
    ("天元开发区", None, "Tianyuan Kaifaqu"),
    ("天元工业园区", None, "Tianyuan Gongye Yuanqu"),
    ("长沙经济技术开发区", "0403", "Changsha Jingji Jishu Kaifaqu"),
    ("株洲高新技术产业开发区", None, "Zhuzhou Gaoxin Jishu Chanye Kaifaqu"),
    ("浦东新区", "0403", "Pudong Xinqu"),
])
def test_compound_generics_are_whole(name, category, plain):
    assert romanize(name, category=category).plain == plain


def test_every_lexicon_entry_is_read_as_written():
    for entry in rz.lexicon().values():
        got = [s.toned for s in rz.read(entry.text)]
        assert tuple(got) == entry.reading, entry.text


def test_explain_names_the_deciding_entry():
    found = rz.explain("长白街", category="0801")
    assert (found["plain"], found["proper"], found["generic"]) == ("Changbai Jie", "长白", "街")
    by = [s["by"] for s in found["syllables"]]
    assert by[0].startswith("lexicon word 长白 (") and "CC-CEDICT" in by[0]
    assert by[2] == "pypinyin"
    assert rz.explain("长塘")["syllables"][0]["by"].startswith("lexicon char 长 (")
    assert rz.explain("社区")["syllables"][0]["by"] == "pypinyin phrase 社区"


@pytest.mark.parametrize(("text", "message"), [
    ("长白\tcháng bái\tword\tx\n", "header"),
    (HEADER + "长白\tcháng\tword\tx\n", "2 characters but 1 syllables"),
    (HEADER + "长白\tcháng bái bái\tword\tx\n", "2 characters but 3 syllables"),
    (HEADER + "长白\tchxng bái\tword\tx\n", "chxng is not a valid pinyin"),
    (HEADER + "长白\tChang bái\tword\tx\n", "Chang is not a valid pinyin"),
    (HEADER + "长白\tcháng báí\tword\tx\n", "báí is not a valid pinyin"),
    (HEADER + "长白\tcháng bái\tphrase\tx\n", "kind phrase"),
    (HEADER + "长白\tcháng bái\tword\n", "4 non-empty"),
    (HEADER + "长白\tcháng bái\tword\t \n", "4 non-empty"),
    (HEADER + "长B\tcháng bái\tword\tx\n", "not Chinese characters"),
    (HEADER + "长\tdū\tchar\tx\n", "dū is not a reading of 长"),
    (HEADER + "长白\tcháng bái\tchar\tx\n", "a char entry is one character"),
    (HEADER + "长白\tcháng bái\tword\tx\n长白\tzhǎng bái\tword\ty\n", "listed twice"),
])
def test_the_loader_is_strict(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lexicon(text)


def test_the_loader_accepts_a_good_file():
    got = parse_lexicon(HEADER + "# a comment\n长\tcháng\tchar\ts\n长白\tcháng bái\tword\tt\n")
    assert got["长白"].reading == ("cháng", "bái") and got["长"].kind == "char"


def test_every_entry_has_a_source_and_a_county_exception_is_listed():
    entries = rz.lexicon()
    assert all(e.source for e in entries.values())
    for word in ("六安", "蚌埠", "番禺", "台州", "铅山", "乐亭", "歙县", "莘县", "涡阳", "荥阳",
                 "郫都", "枞阳", "阆中", "犍为", "筠连", "洪洞", "大埔", "东阿", "单县", "尉犁",
                 "黄陂", "会稽", "长白", "长阳", "长堤", "长岭"):
        assert word in entries, word


def test_the_data_version_follows_the_data():
    assert len(rz.data_version()) == 10


def test_the_romanize_command_goes_on_past_a_minority_name(capsys):
    from api.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["names", "romanize", "长白街", "内蒙古自治区", "六安市"])
    assert stop.value.code == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["长白街\tChangbai Jie\tChángbái Jiē",
                                "六安市\tLu'an Shi\tLù'ān Shì"]
    assert "内蒙古自治区 is a minority-language name" in err


def test_the_romanize_command_refuses_an_unknown_category(capsys):
    from api.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["names", "romanize", "--category", "9999", "东山"])
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "--category 9999 is not a category code" in err
    main(["names", "romanize", "--category", "0502", "东山"])
    assert capsys.readouterr().out == "东山\tDongshan\tDōngshān\n"
