"""Hostile input found by an outside audit: each is refused with a 4xx naming the field,
never a 500, and nothing is written."""

from __future__ import annotations

import json
import socket

import pytest

from tests.factories import committed_token, problem

NUL_QUERIES = [
    ("/addresses/search", "q"), ("/addresses/parse", "q"), ("/names/search", "q"),
    ("/ogc/collections/names_areas/items", "under"),
    ("/ogc/collections/names_areas/items", "category"),
]
NUL_QUERIES_WITH_TOKEN = [
    ("/roads", "q"), ("/boundaries/lines", "division"), ("/coverage/scenarios", "division"),
    ("/facilities", "type"), ("/inspections/plan", "division"),
    ("/names/applications", "state"), ("/audit", "entity"),
]


@pytest.fixture
def admin(db_url):
    return {"Authorization": f"Bearer {committed_token(db_url, 'admin')}"}


@pytest.mark.parametrize(("path", "param"), NUL_QUERIES)
def test_a_nul_byte_in_a_public_query_is_422_naming_it(app, sample, path, param):
    problem(app.get(path, params={param: "a\x00b"}), 422, param)


@pytest.mark.parametrize(("path", "param"), NUL_QUERIES_WITH_TOKEN)
def test_a_nul_byte_in_any_query_is_422_naming_it(app, sample, admin, path, param):
    problem(app.get(path, params={param: "\x00"}, headers=admin), 422, param)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_body_are_422_naming_the_field(app, sample, admin, char):
    body = {"type": "day_care", "name": f"照料{char}中心", "lon": 114.28, "lat": 30.58}
    problem(app.post("/facilities", json=body, headers=admin), 422, "name")
    problem(app.post("/qr/no-such-token/report", json={"kind": "damaged", "note": f"a{char}b"}),
            422, "note")


def test_nested_fields_are_named_as_the_domain_names_them(app, sample, admin):
    body = {"doors": [{"lon": 118.79, "lat": 32.05}, {"lon": 118.79, "lat": 32.05,
                                                      "name": "楼\x00"}]}
    problem(app.post("/roads/1/entrances", json=body, headers=admin), 422, "doors[1].name")


def test_line_breaks_and_tabs_are_text(app, sample, admin):
    body = {"type": "day_care", "name": "换行测试中心", "lon": 114.2838, "lat": 30.5802,
            "notes": "第一行\n第二行\t备注"}
    r = app.post("/facilities", json=body, headers=admin)
    assert r.status_code == 201, r.text


def test_text_has_a_maximum_length(app, sample, admin):
    site = {"type": "day_care", "lon": 114.2838, "lat": 30.5802}
    problem(app.post("/facilities", json={**site, "name": "长" * 51}, headers=admin), 422,
            "name")
    problem(app.post("/facilities", json={**site, "name": "长名中心", "notes": "x" * 4001},
                     headers=admin), 422, "notes")
    # a string longer than any field takes is refused before the model is built
    problem(app.post("/facilities", json={**site, "name": "x" * 20_000}, headers=admin), 422,
            "name")
    problem(app.get("/names/search", params={"q": "荷" * 2001}), 422, "q")


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}',
                                 b'{"a": 1e999}'])
def test_numbers_are_finite(app, sample, admin, raw):
    problem(app.post("/facilities", content=raw, headers={**admin,
                                                          "content-type": "application/json"}),
            422, "a")


@pytest.mark.parametrize("bbox", ["nan,nan,nan,nan", "inf,-inf,inf,inf", "1,2,3"])
def test_a_bbox_is_four_finite_numbers(app, sample, bbox):
    problem(app.get("/ogc/collections/names_areas/items", params={"bbox": bbox}), 422, "bbox")


def test_stock_quantities_are_finite(app, sample, admin):
    raw = (b'{"type": "relief_warehouse", "name": "\xe6\x95\x91\xe7\x81\xbe\xe5\xba\x93", '
           b'"lon": 114.2838, "lat": 30.5802, "stock": [{"category": "tents", '
           b'"item": "tent", "unit": "pcs", "quantity": NaN}]}')
    problem(app.post("/facilities", content=raw, headers={
        **admin, "content-type": "application/json"}), 422, "stock[0].quantity")


@pytest.mark.parametrize("path", ["/inspections/1/patrols", "/facilities/import", "/facilities"])
def test_deeply_nested_json_is_422(app, sample, admin, path):
    raw = b'{"a": ' * 10_000 + b"1" + b"}" * 10_000
    problem(app.post(path, content=raw, headers={**admin, "content-type": "application/json"}),
            422, "body")


def test_ids_out_of_range_are_422_naming_the_id(app, sample, admin):
    problem(app.get("/facilities/-32765571031933101478061167695888384", headers=admin), 422,
            "facility_id")
    problem(app.get("/facilities/0", headers=admin), 422, "facility_id")
    problem(app.patch("/inspections/1/hazards/0", json={}, headers=admin), 422, "uuid")


def _answer(sock) -> str:
    """An HTTP answer read whole: the head, then as many body bytes as it announces (the
    two may come in separate packets)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return (head + b"\r\n\r\n" + body).decode("utf-8", "replace")


def test_a_large_body_is_413_before_it_is_read(server):
    """A 50 MB body with no token is refused from its Content-Length: the answer comes
    though only the headers were sent (it is not read, parsed, then answered 401)."""
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /facilities HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n{" % (50 * 1024 * 1024))
        answer = _answer(sock)
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413"), head
    assert "application/problem+json" in head
    assert json.loads(body)["status"] == 413


def test_a_chunked_body_is_cut_at_the_limit(app, sample):
    def chunks():
        for _ in range(40):
            yield b" " * 64 * 1024   # 2.5 MB with no Content-Length

    problem(app.post("/facilities", content=chunks(),
                     headers={"content-type": "application/json"}), 413)


def test_a_control_character_in_the_path_is_422(app, sample):
    problem(app.get("/qr/ab%00cd"), 422, "path")


def test_an_imported_file_obeys_the_same_text_limits(app, sample, admin):
    """A CSV file bypasses the body's model: the domain checks its text again."""
    csv = ("type,name,lon,lat\nday_care," + "名" * 51 + ",114.2838,30.5802\n").encode()
    problem(app.post("/facilities/import", params={"source": "hostile.csv"}, content=csv,
                     headers={**admin, "content-type": "text/csv"}), 422, "records[0].name")
    bad = b'{"type": null, "features": []}'
    problem(app.post("/facilities/import", params={"source": "x"}, content=bad,
                     headers={**admin, "content-type": "application/geo+json"}), 422, "file")
