"""Routes that print hold no database connection while Chromium runs: with a pool of ONE
connection, the printer itself can still borrow it, for the register, the joint report and
the QR sheet. (Chromium is replaced by a stub that tries to borrow; the real printing is
tested in tests/maps.)"""

import pytest

from geo.db import connect, fetch_value
from maps import inspection_report, plate_sheet, register
from tests.factories import committed_token


@pytest.fixture
def one_connection(db_url, sample):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    with TestClient(create_app(Settings(database_url=db_url, pool_max=1)),
                    raise_server_exceptions=False) as client:
        yield client


def _first(db_url, sql: str) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, sql)
    finally:
        conn.close()


def test_print_routes_give_their_connection_back_before_printing(one_connection, db_url,
                                                                 monkeypatch):
    pool = one_connection.app.state.pool
    printed = []

    def printer(html: str) -> bytes:
        conn = pool.getconn()         # raises PoolError if the route still held it
        pool.putconn(conn)
        printed.append(html)
        return b"%PDF-1.7 stub"

    for module in (register, inspection_report, plate_sheet):
        monkeypatch.setattr(module, "html_to_pdf", printer)
    auth = {"Authorization": f"Bearer {committed_token(db_url, 'admin', 'printer')}"}
    inspection = _first(db_url, "SELECT min(id) FROM inspections")
    campaign = _first(db_url, "SELECT min(id) FROM plate_campaigns")
    for path, params in (("/names/register", {"division": "430202"}),
                         (f"/inspections/{inspection}/report", {}),
                         (f"/plates/campaigns/{campaign}/sheet", {})):
        answer = one_connection.get(path, params={**params, "format": "pdf"}, headers=auth)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.content == b"%PDF-1.7 stub", path
    assert len(printed) == 3 and all("<html" in page for page in printed)
