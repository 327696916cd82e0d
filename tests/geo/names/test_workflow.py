"""The naming workflow: every check, every transition, deadlines, and the optimistic lock."""

import datetime as dt
import threading

import pytest

from fixtures.grid import Grid
from geo import audit
from geo.audit import Actor
from geo.db import connect, execute, fetch_one, transaction
from geo.errors import Conflict, Forbidden, InvalidInput
from geo.names import gazetteer
from geo.names import workflow as wf
from tests.factories import add_division, add_name

OFFICER = Actor("王科长", "names_officer")
MAP = Grid("""
    A . . . . B . . . . C
    .         .         .
    .   1 . 2 .   3 . 4 .
    .         .         .
    D . . . . E . . . . F
""", step_m=500)
# Two city districts (市辖区, one built-up area) and a county of another prefecture.
DISTRICT_1, DISTRICT_2, OTHER_COUNTY = "439901", "439902", "439821"


@pytest.fixture
def area(conn):
    gazetteer.load_categories(conn)
    add_division(conn, DISTRICT_1, MAP.polygon("A", "B", "E", "D"), kind="市辖区")
    add_division(conn, DISTRICT_2, MAP.polygon("B", "C", "F", "E"), kind="市辖区")
    add_division(conn, OTHER_COUNTY, MAP.polygon("A", "C", "F", "D"), kind="县")
    return MAP


def street(name, division=DISTRICT_1, a="1", b="2", **extra):
    line = {"type": "LineString", "coordinates": [list(MAP[a]), list(MAP[b])]}
    return {"kind": "naming", "name": name, "category_code": "0801", "division_code": division,
            "applicant": "区住建局", "applicant_contact": "张三 138…", "geometry": line, **extra}


def findings(conn, data):
    app = wf.create_application(conn, OFFICER, data)
    try:
        wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    except Conflict as err:
        return {f["code"]: f["severity"] for f in err.extra["findings"]}
    return {f["code"]: f["severity"] for f in wf.get_application(conn, app["id"])["findings"]}


def approve_path(conn, app, authority="市人民政府", on=None, reports=None):
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    a = wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=reports or [{"type": "expert_review", "title": "专家论证报告"}]))
    return wf.act(conn, OFFICER, a["id"], "approve", wf.Step(
        a["version"], approving_authority=authority, document_no="测政函〔2026〕1号", on=on))


# ---------------------------------------------------------------- checks

def test_clean_name_passes(conn, area):
    assert findings(conn, street("荷香路")) == {}


def test_duplicate_in_the_same_built_up_area_blocks(conn, area):
    add_name(conn, "荷香路", division=DISTRICT_2 + "001")
    assert findings(conn, street("荷香路"))["duplicate"] == "block"


def test_same_street_name_in_another_county_is_allowed(conn, area):
    add_name(conn, "荷香路", division=OTHER_COUNTY + "001")
    assert "duplicate" not in findings(conn, street("荷香路"))


def test_county_level_names_must_be_unique_nationwide(conn, area):
    add_name(conn, "荷香区", "0403", division="110105")
    got = findings(conn, street("荷香区") | {"category_code": "0403"})
    assert got["duplicate"] == "block"


def test_homophone_warns(conn, area):
    add_name(conn, "禾香路", division=DISTRICT_2)   # hexiang, like 荷香
    assert findings(conn, street("荷香街"))["homophone"] == "warn"


def test_same_proper_name_with_another_generic_warns(conn, area):
    add_name(conn, "荷香路", division=DISTRICT_2)
    assert findings(conn, street("荷香街"))["same-proper-name"] == "warn"


def test_new_old_prefix_is_a_near_duplicate(conn, area):
    add_name(conn, "荷香路", division=DISTRICT_2)
    assert findings(conn, street("新荷香路"))["near-duplicate"] == "warn"


def test_traditional_characters_block_until_the_standard_form_is_confirmed(conn, area):
    assert findings(conn, street("荷香東路"))["traditional"] == "block"


@pytest.mark.parametrize(("name", "code"), [
    ("国际商贸路", "grand-word"), ("中华大道", "grand-word"), ("曼哈顿路", "foreign-name"),
    ("Wonder路", "foreign-script"), ("荷香3路", "digits"), ("帝王路", "banned-word"),
    ("雷锋路", "personal-name"),
])
def test_big_foreign_odd_names_block(conn, area, name, code):
    assert findings(conn, street(name))[code] == "block"


def test_grand_word_allowed_with_an_approval_basis(conn, area):
    got = findings(conn, street("国际商贸路", approval_basis="国务院批复〔2025〕3号"))
    assert "grand-word" not in got


def test_rare_character_warns(conn, area):
    assert findings(conn, street("𠀾香路"))["rare-character"] == "warn"


def test_location_outside_the_jurisdiction_blocks(conn, area):
    got = findings(conn, street("荷香路", division=DISTRICT_1, a="3", b="4"))
    assert got["outside-jurisdiction"] == "block"


def test_minority_name_needs_a_hand_romanization(conn, area):
    data = street("呼和浩特路")
    assert findings(conn, data)["minority-romanization"] == "block"
    assert "minority-romanization" not in findings(conn, street(
        "呼和浩特路", roman_manual="Hohhot Lu"))


def test_renaming_a_protected_name_needs_measures(conn, area):
    old = add_name(conn, "老街", division=DISTRICT_1, geom=MAP.line("1", "2"))
    execute(conn, "UPDATE place_names SET protected = true WHERE id = %s", (old,))
    data = street("荷香路", kind="renaming", target_id=old)
    assert findings(conn, data)["protected-name"] == "block"
    assert "protected-name" not in findings(conn, street(
        "荷韵路", kind="renaming", target_id=old, protective_measures="保留老街标志并立碑记述"))


# ---------------------------------------------------------------- transitions

def test_naming_all_the_way_to_announcement(conn, area):
    app = wf.create_application(conn, OFFICER, street("荷香路", location_description="东起…"))
    approved = approve_path(conn, app, on=dt.date(2026, 11, 2))
    assert approved["state"] == "approved"
    assert approved["filing_due"] == dt.date(2026, 11, 17)
    name = gazetteer.get_name(conn, approved["result_name_id"])
    assert (name["name"], name["roman"], name["status"]) == ("荷香路", "Hexiang Lu", "standard")
    assert name["approved_by"] == "市人民政府" and name["document_no"] == "测政函〔2026〕1号"
    for line in ("标准名称：荷香路", "罗马字母拼写：Hexiang Lu", "位置描述：东起…",
                 "批准机关：市人民政府", "批准时间：2026年11月2日"):
        assert line in approved["announcement"]
    filed = wf.act(conn, OFFICER, app["id"], "file", wf.Step(approved["version"]))
    done = wf.act(conn, OFFICER, app["id"], "announce", wf.Step(filed["version"]))
    assert done["state"] == "announced"
    assert [e["action"] for e in done["events"]] == ["create", "submit", "assess", "approve",
                                                     "file", "announce"]
    actions = [r["action"] for r in audit.list_entries(conn, entity="name_application",
                                                        entity_id=str(app["id"]))]
    assert actions[0] == "names.application.announce" and len(actions) == 6


def test_renaming_moves_the_old_name_into_history(conn, area):
    old = add_name(conn, "人民路", division=DISTRICT_1, geom=MAP.line("1", "2"))
    app = wf.create_application(conn, OFFICER, street("荷香路", kind="renaming", target_id=old))
    approved = approve_path(conn, app, on=dt.date(2026, 3, 1))
    before = gazetteer.get_name(conn, old)
    assert before["status"] == "historical" and before["valid_to"] == dt.date(2026, 3, 1)
    assert before["current"]["name"] == "荷香路"
    after = gazetteer.get_name(conn, approved["result_name_id"])
    assert [f["name"] for f in after["former_names"]] == ["人民路"]
    assert "原名称：人民路" in approved["announcement"]


def test_abolition(conn, area):
    old = add_name(conn, "废弃巷", division=DISTRICT_1)
    app = wf.create_application(conn, OFFICER, {
        "kind": "abolition", "division_code": DISTRICT_1, "target_id": old, "applicant": "区政府"})
    approve_path(conn, app)
    assert gazetteer.get_name(conn, old)["status"] == "abolished"


def test_division_names_need_all_three_reports(conn, area):
    app = wf.create_application(conn, OFFICER, street("荷香区") | {"category_code": "0403"})
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    with pytest.raises(InvalidInput, match="consultation, impact_assessment"):
        wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
            a["version"], reports=[{"type": "expert_review", "title": "专家论证"}]))


def test_wrong_state_and_stale_version_conflict(conn, area):
    app = wf.create_application(conn, OFFICER, street("荷香路"))
    with pytest.raises(Conflict, match="cannot approve"):
        wf.act(conn, OFFICER, app["id"], "approve", wf.Step(app["version"]))
    wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    with pytest.raises(Conflict) as err:
        wf.act(conn, OFFICER, app["id"], "withdraw", wf.Step(app["version"]))  # stale
    assert err.value.extra["current"] == app["version"] + 1


def test_only_names_officers_act(conn, area):
    with pytest.raises(Forbidden):
        wf.create_application(conn, Actor("p", "planner"), street("荷香路"))


def test_approval_needs_authority_and_document(conn, area):
    app = wf.create_application(conn, OFFICER, street("荷香路"))
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    a = wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=[{"type": "expert_review", "title": "论证"}]))
    with pytest.raises(InvalidInput) as err:
        wf.act(conn, OFFICER, a["id"], "approve", wf.Step(a["version"]))
    assert err.value.field == "approving_authority"


def test_overdue_filing_is_listed(conn, area):
    app = wf.create_application(conn, OFFICER, street("荷香路"))
    approve_path(conn, app, on=dt.date(2026, 1, 5))
    overdue = wf.list_applications(conn, overdue=True, today=dt.date(2026, 1, 25))
    assert [a["id"] for a in overdue] == [app["id"]]
    assert overdue[0]["filing_overdue"] and overdue[0]["announcement_overdue"]
    assert wf.list_applications(conn, overdue=True, today=dt.date(2026, 1, 10)) == []


def test_malformed_applications(conn, area):
    for data, field in [(street("荷香路") | {"kind": "merge"}, "kind"),
                        (street(""), "name"),
                        (street("荷香路") | {"division_code": "12"}, "division_code"),
                        (street("荷香路") | {"category_code": "9999"}, "category_code"),
                        (street("荷香路") | {"geometry": {"type": "Line"}}, "geometry"),
                        (street("荷香路", kind="renaming"), "target_id"),
                        (street("荷香路") | {"applicant": " "}, "applicant"),
                        (street("荷香路") | {"reports": [{"type": "x", "title": "t"}]},
                         "reports[0].type")]:
        with pytest.raises(InvalidInput) as err:
            wf.create_application(conn, OFFICER, data)
        assert err.value.field == field


def _assessed(db_url, name):
    """An assessed application committed on its own connection (in 439951)."""
    setup = connect(db_url)
    with transaction(setup):
        gazetteer.load_categories(setup)
        if fetch_one(setup, "SELECT 1 AS x FROM divisions WHERE code = '439951'") is None:
            add_division(setup, "439951", MAP.polygon("A", "B", "E", "D"), kind="市辖区")
        app = wf.create_application(setup, OFFICER, street(name, division="439951"))
        a = wf.act(setup, OFFICER, app["id"], "submit", wf.Step(app["version"]))
        a = wf.act(setup, OFFICER, a["id"], "assess", wf.Step(
            a["version"], reports=[{"type": "expert_review", "title": "论证"}]))
    setup.close()
    return a


def _approve(db_url, who, a, results, barrier=None):
    c = connect(db_url)
    try:
        if barrier is not None:
            barrier.wait()
        with transaction(c):
            wf.act(c, Actor(who, "names_officer"), a["id"], "approve", wf.Step(
                a["version"], approving_authority="市政府", document_no="1号"))
        results.append(("ok", None))
    except Conflict as err:
        results.append(("conflict", err))
    finally:
        c.close()


def _clean_up(db_url, ids, names):
    check = connect(db_url)
    with transaction(check):
        for app_id in ids:
            execute(check, "DELETE FROM name_application_events WHERE application_id = %s",
                    (app_id,))
            execute(check, "DELETE FROM name_applications WHERE id = %s", (app_id,))
        execute(check, "DELETE FROM place_names WHERE name = ANY(%s)", (names,))
        execute(check, "DELETE FROM divisions WHERE code = '439951'")
    check.close()


def test_two_officers_approving_at_once_the_loser_always_hears_it_changed(db_url):
    """Real concurrent connections, several rounds: one approval wins, and the other is
    always the stale-version 409, never a check that sees the winner's new name."""
    names = [f"并发{n}路" for n in "一二三四五六"]
    apps = [_assessed(db_url, name) for name in names]
    try:
        for a, name in zip(apps, names, strict=True):
            results, barrier = [], threading.Barrier(2)
            threads = [threading.Thread(target=_approve, args=(db_url, w, a, results, barrier))
                       for w in ("甲", "乙")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(kind for kind, _ in results) == ["conflict", "ok"]
            [err] = [e for kind, e in results if kind == "conflict"]
            assert err.field == "version", err.detail
            assert err.detail.endswith("reload it") and "already has this name" not in err.detail
            check = connect(db_url)
            n = fetch_one(check, "SELECT count(*) AS n FROM place_names WHERE name = %s",
                          (name,))["n"]
            check.close()
            assert n == 1
    finally:
        _clean_up(db_url, [a["id"] for a in apps], names)


def test_the_second_approval_on_a_version_already_approved_is_stale_not_a_state_error(db_url):
    a = _assessed(db_url, "先后路")
    try:
        results = []
        _approve(db_url, "甲", a, results)
        _approve(db_url, "乙", a, results)
        assert results[0] == ("ok", None)
        err = results[1][1]
        assert err.field == "version" and err.extra["current"] == a["version"] + 1
    finally:
        _clean_up(db_url, [a["id"]], ["先后路"])


def test_text_fields_cannot_break_the_bulk_insert(conn, area):
    sneaky = "\\x\tinjected\n\\N\tmore"
    [new_id] = gazetteer.add_names(conn, [gazetteer.NameRow(
        "荷香路", "0801", "test", DISTRICT_1, meaning=sneaky)], None)
    row = fetch_one(conn, "SELECT count(*) AS n FROM place_names WHERE name = '荷香路'")
    assert row["n"] == 1
    assert gazetteer.get_name(conn, new_id)["meaning"] == "\\x injected \\N more"


def test_hand_romanization_is_latin_only(conn, area):
    with pytest.raises(InvalidInput) as err:
        wf.create_application(conn, OFFICER, street("呼和浩特路", roman_manual="${alert(1)}"))
    assert err.value.field == "roman_manual"


def test_heights_in_the_geometry_are_dropped(conn, area):
    data = street("荷香路")
    data["geometry"] = {"type": "Point", "coordinates": [*MAP["1"], 45.0]}
    app = wf.create_application(conn, OFFICER, data)
    assert len(app["geometry"]["coordinates"]) == 2


def test_renaming_cannot_predate_the_name_it_replaces(conn, area):
    old = add_name(conn, "人民路", division=DISTRICT_1, geom=MAP.line("1", "2"),
                   valid=("2020-01-01", None))
    app = wf.create_application(conn, OFFICER, street("荷香路", kind="renaming", target_id=old))
    with pytest.raises(InvalidInput) as err:
        approve_path(conn, app, on=dt.date(2019, 5, 1))
    assert err.value.field == "on"


def test_abolishing_a_division_name_needs_the_division_reports(conn, area):
    old = add_name(conn, "旧区", "0403", division=DISTRICT_1)
    app = wf.create_application(conn, OFFICER, {
        "kind": "abolition", "division_code": DISTRICT_1, "target_id": old, "applicant": "市政府"})
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    with pytest.raises(InvalidInput, match="impact_assessment"):
        wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
            a["version"], reports=[{"type": "expert_review", "title": "论证"}]))


def test_overdue_follows_the_province_rules(conn, area):
    execute(conn, "INSERT INTO name_rules (scope_prefix, key, value) VALUES "
                  "('4399', 'filing_deadline_days', '30')")
    app = wf.create_application(conn, OFFICER, street("荷香路"))
    approve_path(conn, app, on=dt.date(2026, 1, 5))
    listed = wf.list_applications(conn, today=dt.date(2026, 1, 25))
    mine = next(a for a in listed if a["id"] == app["id"])
    assert mine["filing_due"] == dt.date(2026, 2, 4) and not mine["filing_overdue"]
    assert mine["announcement_overdue"]  # still 15 days


def test_reloading_sample_data_keeps_names_officers_worked_on(conn, area):
    from geo import datasets

    datasets.begin_dataset(conn, "tmp-sample", "t", {}, [])
    ids = gazetteer.add_names(conn, [gazetteer.NameRow(n, "0801", "sample", DISTRICT_1,
                                                        MAP.line("1", "2"))
                                     for n in ("人民路", "解放路")], "tmp-sample")
    app = wf.create_application(conn, OFFICER, street("荷香路", kind="renaming",
                                                      target_id=ids[0]))
    approve_path(conn, app)
    datasets.remove_dataset(conn, "tmp-sample")
    kept = gazetteer.get_name(conn, ids[0])
    assert kept["status"] == "historical" and kept["current"]["name"] == "荷香路"
    assert fetch_one(conn, "SELECT count(*) AS n FROM place_names WHERE id = %s",
                     (ids[1],))["n"] == 0  # untouched sample rows go with their dataset


def test_approval_needs_each_warning_acknowledged_with_a_reason(conn, area):
    add_name(conn, "禾香路", division=DISTRICT_2)   # hexiang: 荷香街 is a homophone
    app = wf.create_application(conn, OFFICER, street("荷香街"))
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    a = wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=[{"type": "expert_review", "title": "论证"}]))
    for acks in (None, {"homophone": "  "}, {"traditional": "not this one"}):
        with pytest.raises(InvalidInput) as err:
            wf.act(conn, OFFICER, a["id"], "approve", wf.Step(
                a["version"], approving_authority="市政府", document_no="1号",
                acknowledgements=acks))
        assert err.value.field == "acknowledgements"
        assert err.value.extra["unacknowledged"] == ["homophone"]
    done = wf.act(conn, OFFICER, a["id"], "approve", wf.Step(
        a["version"], approving_authority="市政府", document_no="1号",
        acknowledgements={"homophone": "两路相距三公里，经征求意见无异议"}))
    assert done["state"] == "approved"
    [warning] = done["events"][-1]["findings"]
    assert warning["code"] == "homophone"
    assert warning["acknowledgement"] == "两路相距三公里，经征求意见无异议"
    entry = audit.list_entries(conn, entity="name_application", entity_id=str(a["id"]))[0]
    assert entry["after"]["acknowledgements"] == {"homophone": "两路相距三公里，经征求意见无异议"}


def test_romanization_as_the_register_writes_it(conn, area):
    assert wf.romanization(conn, "荷香路", "0801")["roman"] == "Hexiang Lu"
    assert wf.romanization(conn, "荷香東路", "0801")["name"] == "荷香东路"
    assert wf.romanization(conn, "呼和浩特路", "0801")["why"] == "minority"
    assert wf.romanization(conn, "Wonder路", "0801")["why"] == "not_chinese"
    assert wf.romanization(conn, " ", None)["why"] == "empty"
