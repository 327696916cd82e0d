"""Importing a register from the names desk in a real headless Chromium: under 标准地名录 a
names officer sends 荷塘区's register (GB18030 CSV, as Chinese Excel saves it) and reads
what each row did, sends it again (every row unchanged), then a file with two bad rows and
reads each with its column and reason. No console error beyond the refusal provoked, no
request off 127.0.0.1. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import assert_clean, fits, shot, signed_in

OFFICER, PASSWORD = "地名科老张", "import-pass-1234"
HEADER = ["地名编号", "标准名称", "罗马字母拼写", "类别", "所属政区", "位置描述", "批准机关",
          "批准时间", "经度", "纬度"]
REGISTER = [
    ["HT-0001", "新华西路", "Xinhua Xilu", "街路巷", "株洲市荷塘区月塘街道",
     "东起新华路，西至建设北路", "株洲市人民政府", "2003-05-01", "113.1748", "27.8371"],
    ["HT-0002", "红旗路", "Hongqi Lu", "街路巷", "荷塘区桂花街道", "南起新华西路，北至桂花路",
     "株洲市人民政府", "2003-05-01", "113.1629", "27.8654"],
    ["HT-0003", "茨菇塘桥", "Cigutang Qiao", "桥梁", "荷塘区茨菇塘街道", "跨茨菇塘",
     "荷塘区人民政府", "2011-09-20", "113.2029", "27.8914"],
]


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def officer(db_url) -> str:
    return committed_staff(db_url, "names_officer", OFFICER, PASSWORD)


def register_file(tmp_path, rows: list[list[str]], name: str):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


def send(page, path) -> None:
    page.fill("#import-form input[name=source]", "荷塘区标准地名录2024")
    page.set_input_files("#import-form input[name=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report:not([hidden])")


def cells(page, table: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def test_an_officer_imports_a_register_from_the_desk(browser, server, officer, tmp_path):
    view = signed_in(browser, server, OFFICER, PASSWORD, "/app/names/register")
    page = view.page
    good = register_file(tmp_path, REGISTER, "荷塘区标准地名录.csv")
    send(page, good)
    assert page.text_content("#import-totals") == "新增 3 条，更新 0 条，未变 0 条"
    rows = cells(page, "import-rows")
    assert [r[:3] for r in rows] == [["2", "HT-0001", "新增"], ["3", "HT-0002", "新增"],
                                     ["4", "HT-0003", "新增"]]
    assert "Xinhua Xilu differs from civgeo's romanization Xinhuaxi Lu" in rows[0][4]
    shot(view, "names-import-report")

    send(page, good)
    assert page.text_content("#import-totals") == "新增 0 条，更新 0 条，未变 3 条"

    bad = [list(r) for r in REGISTER]
    bad[1][3], bad[2][7] = "大道", "2011-02-30"
    send(page, register_file(tmp_path, bad, "有误.csv"))
    assert page.text_content("#import-totals") == "已拒收，未导入任何数据：2 行有误"
    assert [r[:2] for r in cells(page, "import-errors")] == [["3", "类别"], ["4", "批准时间"]]
    assert page.is_hidden("#import-rows")
    shot(view, "names-import-refused")
    assert fits(view)
    assert_clean(view, answered=(422,))
