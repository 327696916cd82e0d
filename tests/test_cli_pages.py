"""The commands that write pages and maps, run as a user would on the sample cities: each
gathers its domain result, draws it, and says what it wrote."""

import uuid

import pytest

from geo.boundaries import lines, report
from geo.coverage import suggest
from geo.db import connect, execute, transaction
from geo.plates import campaigns
from tests.cli import civgeo


@pytest.fixture(scope="module")
def known(db_url, sample) -> dict:
    """Ids the commands take: a line's latest inspection, a campaign with its plates."""
    conn = connect(db_url)
    try:
        line = lines.get_line(conn, "株衡线")
        first = campaigns.campaigns(conn)[0]
        return {"line": line, "inspection": report.latest_inspection_id(conn, line["id"]),
                "campaign": first, "sheet": campaigns.sheet(conn, first["id"])}
    finally:
        conn.close()


def ok(proc) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_names_register_as_html_and_pdf(db_url, sample, tmp_path):
    out = tmp_path / "deep" / "register.html"
    assert ok(civgeo(db_url, "names", "register", "430202", "--out", str(out))) \
        == f"wrote {out}\n"
    assert "<title>荷塘区标准地名录</title>" in out.read_text(encoding="utf-8")
    pdf = tmp_path / "register.pdf"
    ok(civgeo(db_url, "names", "register", "430202", "--out", str(pdf)))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_an_unknown_division_is_one_line(db_url, sample, tmp_path):
    proc = civgeo(db_url, "names", "register", "439999", "--out", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and proc.stderr.startswith("civgeo: ")
    assert proc.stderr.count("\n") == 1 and not (tmp_path / "r.html").exists()


def test_boundaries_report_of_an_inspection(db_url, known, tmp_path):
    out = tmp_path / "report.html"
    ok(civgeo(db_url, "boundaries", "report", str(known["inspection"]), "--out", str(out)))
    page = out.read_text(encoding="utf-8")
    assert "株衡线" in page and "<svg" in page
    missing = civgeo(db_url, "boundaries", "report", "999999", "--out", str(out))
    assert missing.returncode == 2 and "no inspection with id 999999" in missing.stderr


def test_plates_qr_sheet_by_id_and_by_name(db_url, known, tmp_path):
    plates = known["sheet"].plates
    out = tmp_path / "sheet.html"
    said = ok(civgeo(db_url, "plates", "qr-sheet", str(known["campaign"]["id"]),
                     "--out", str(out)))
    assert said == (f"wrote {out}: {len(plates)} plates; the first QR code opens "
                    f"{plates[0]['url']}\n")
    assert all(p["token"] in out.read_text(encoding="utf-8") for p in plates)
    ok(civgeo(db_url, "plates", "qr-sheet", known["campaign"]["name"], "--out", str(out)))


def test_maps_are_written_with_their_assets(db_url, known, tmp_path):
    said = ok(civgeo(db_url, "map", "boundary", "株衡线", "--out", str(tmp_path)))
    assert said == f"wrote {tmp_path / ('boundary-' + known['line']['number'] + '.html')}\n"
    said = ok(civgeo(db_url, "map", "overview", "--division", "430202", "--out", str(tmp_path)))
    assert said.startswith(f"wrote {tmp_path / 'overview-430202.html'} (")
    said = ok(civgeo(db_url, "map", "coverage", "430202", "--only", "indicators",
                     "--out", str(tmp_path)))
    assert said == f"wrote {tmp_path / 'indicators-430202.html'}\n"
    said = ok(civgeo(db_url, "map", "names", "荷塘", "--out", str(tmp_path)))
    assert said.startswith(f"wrote {tmp_path / 'names-荷塘.html'} (")
    assert (tmp_path / "vendor" / "leaflet" / "dist" / "leaflet.js").exists()
    html = (tmp_path / "indicators-430202.html").read_text(encoding="utf-8")
    assert "vendor/leaflet/dist/leaflet.js" in html


def test_suggest_save_keeps_a_scenario(db_url, sample):
    said = ok(civgeo(db_url, "coverage", "suggest", "430202", "-k", "1", "--save", "cli-test"))
    first = said.splitlines()[0]
    assert first.startswith("saved as scenario ")
    conn = connect(db_url)
    try:
        saved = suggest.scenario(conn, int(first.rsplit(" ", 1)[1]))
        assert (saved["name"], saved["division_code"]) == ("cli-test", "430202")
    finally:
        with transaction(conn):
            execute(conn, "DELETE FROM coverage_scenarios WHERE name = 'cli-test'")
        conn.close()


def test_a_patrol_is_stored_once_in_an_ad_hoc_inspection(db_url, sample, tmp_path):
    gpx = tmp_path / "walk.gpx"
    ok(civgeo(db_url, "boundaries", "sample-gpx", "株衡线", "--km", "2", "--out", str(gpx)))
    planned = ok(civgeo(db_url, "boundaries", "inspect", "株衡线", "2026",
                        "--ad-hoc", "cli test"))
    inspection = planned.split(":")[0].split()[1]            # "inspection 12: 株衡线 2026 …"
    uid = str(uuid.uuid4())
    args = ("boundaries", "patrol", str(gpx), "--line", "株衡线", "--inspection", inspection,
            "--uuid", uid)
    try:
        first, again = ok(civgeo(db_url, *args)), ok(civgeo(db_url, *args))
    finally:
        conn = connect(db_url)
        with transaction(conn):
            execute(conn, "DELETE FROM patrols WHERE inspection_id = %s", (int(inspection),))
            execute(conn, "DELETE FROM inspections WHERE id = %s", (int(inspection),))
        conn.close()
    assert "株衡线 2026 (ad_hoc), lead " in planned
    assert first.startswith(f"patrol {uid} stored in inspection {inspection}\n")
    assert again.startswith(f"patrol {uid} already stored")
    assert "株衡线: " in first and "patrolled share" in first
