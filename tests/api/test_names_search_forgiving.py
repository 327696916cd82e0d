"""The forgiving search over HTTP: the new match codes with their labels in both
languages, and a former name's current name with the date of the change."""


def _top(app, q, lang="zh"):
    body = app.get("/names/search", params={"q": q, "lang": lang}).json()
    return body["features"][0]["properties"]


def test_former_name_over_http(app, sample):
    top = _top(app, "株洲县")
    assert top["match"] == "former_name" and top["match_label"] == "曾用名（已更名）"
    assert top["current"]["name"] == "渌口区" and top["current"]["since"] == "2018-06-19"
    assert _top(app, "株洲县", "en")["match_label"] == "former name, now another name"
    detail = app.get(f"/names/{top['id']}").json()
    assert detail["status"] == "historical" and detail["valid_to"] == "2018-06-19"
    assert detail["current"] == {**top["current"]}
    current = app.get(f"/names/{top['current']['id']}").json()
    assert [(f["name"], f["valid_to"]) for f in current["former_names"]] == [
        ("株洲县", "2018-06-19")]


def test_new_match_labels_in_chinese(app, sample):
    assert _top(app, "花楼街道")["match_label"] == "通名叠字省写（…街街道写作…街道）"
    assert _top(app, "荷塘区区")["match_label"] == "多一字"
    assert _top(app, "唐家街街道")["match_label"] == "少一字"
    assert _top(app, "花楼街道", "en")["match_label"].startswith("doubled generic")
