"""Every romanization example of DOMAIN §B, plus the rules' edge cases."""

import pytest

from geo.errors import InvalidInput
from geo.names.romanize import chinese_number, romanize, split

# (name, expected tone-less form, written as one word (natural village / town), rule)
EXAMPLES = [
    ("太行山", "Taihang Shan", False, "1"),
    ("松花江", "Songhua Jiang", False, "1"),
    ("汾河", "Fen He", False, "1"),
    ("江苏省", "Jiangsu Sheng", False, "1"),
    ("西藏自治区", "Xizang Zizhiqu", False, "1"),
    ("南京路", "Nanjing Lu", False, "1"),
    ("长安街", "Chang'an Jie", False, "1, 10"),
    ("门框胡同", "Menkuang Hutong", False, "1"),
    ("西辽河", "Xiliao He", False, "2"),
    ("潮白新河", "Chaobai Xinhe", False, "2"),
    ("景山后街", "Jingshan Houjie", False, "2"),
    ("朝阳门内大街", "Chaoyangmennei Dajie", False, "2"),
    ("湘江路", "Xiangjiang Lu", False, "1"),
    ("株洲市", "Zhuzhou Shi", False, "1"),
    ("周口店", "Zhoukoudian", True, "3"),
    ("王村", "Wangcun", True, "3"),
    ("黑龙江省", "Heilongjiang Sheng", False, "4"),
    ("景德镇市", "Jingdezhen Shi", False, "4"),
    ("左权县", "Zuoquan Xian", False, "5"),
    ("欧阳海水库", "Ouyanghai Shuiku", False, "5"),
    ("五指山", "Wuzhi Shan", False, "6"),
    ("第二松花江", "Di'er Songhua Jiang", False, "6, 10"),
    ("东四十二条", "Dongsi 12 Tiao", False, "6"),
    ("十里堡", "Shilipu", True, "7"),
    ("西安", "Xi'an", False, "10"),
    ("建瓯", "Jian'ou", False, "10"),
    ("盆儿胡同", "Penr Hutong", False, "10"),
]


@pytest.mark.parametrize(("name", "expected", "joined", "rule"), EXAMPLES)
def test_domain_examples(name, expected, joined, rule):
    assert romanize(name, joined=joined).plain == expected


def test_minority_name_needs_a_hand_entered_form():
    with pytest.raises(InvalidInput) as err:
        romanize("内蒙古自治区")
    assert err.value.field == "roman"
    assert romanize("内蒙古自治区", manual="Nei Mongol Zizhiqu").plain == "Nei Mongol Zizhiqu"


def test_tone_marked_form_keeps_apostrophes_and_tones():
    assert romanize("长安街").toned == "Cháng'ān Jiē"
    assert romanize("株洲市").toned == "Zhūzhōu Shì"


@pytest.mark.parametrize(("name", "expected"), [
    ("渌口区", "Lukou Qu"), ("醴陵市", "Liling Shi"), ("硚口区", "Qiaokou Qu"),
    ("荷塘区", "Hetang Qu"), ("朝阳区", "Chaoyang Qu"), ("六安市", "Lu'an Shi"),
    ("蚌埠市", "Bengbu Shi"), ("重庆市", "Chongqing Shi"), ("厦门市", "Xiamen Shi"),
    ("黄陂区", "Huangpi Qu"), ("文化路社区", "Wenhualu Shequ"), ("荷塘街道", "Hetang Jiedao"),
])
def test_place_name_readings_of_polyphones(name, expected):
    assert romanize(name).plain == expected


def test_known_generic_can_be_given():
    assert romanize("湘江", generic="江").plain == "Xiang Jiang"
    with pytest.raises(InvalidInput):
        romanize("湘江", generic="路")


@pytest.mark.parametrize("bad", ["", "Zhuzhou", "株洲1号", "株 洲"])
def test_non_chinese_input_is_refused(bad):
    with pytest.raises(InvalidInput):
        romanize(bad)


def test_split_parts():
    first = split("第二松花江")
    assert (first.ordinal, first.proper, first.number, first.generic) == ("第二", "松花", "", "江")
    parts = split("东四十二条")
    assert (parts.proper, parts.number, parts.generic) == ("东四", "12", "条")
    assert split("西安").generic == ""


@pytest.mark.parametrize(("text", "value"), [("十二", 12), ("四十二", 42), ("二十", 20),
                                             ("一百零五", 105), ("三", 3), ("十", 10),
                                             ("东", None)])
def test_chinese_number(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize(("name", "expected"), [
    ("吕梁市", "Lüliang Shi"),            # ü is written ü
    ("女儿山", "Nü'er Shan"),             # 女儿 is a word, not 儿化
    ("幼儿园路", "You'eryuan Lu"),        # 儿 inside a word is a syllable
    ("第一儿童公园", "Diyi Ertong Gongyuan"),
    ("东十二条", "Dong 12 Tiao"),         # a numeral starting with 十 is whole
])
def test_edge_cases(name, expected):
    assert romanize(name).plain == expected
