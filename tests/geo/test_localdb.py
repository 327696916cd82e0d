"""The embedded cluster: start, stop, keep data, survive a stale pid file, refuse a taken
port in one clear line. Runs a second, private cluster beside the main one.

No test here may use the ``conn``/``db_url`` fixtures: while this module runs, CIVGEO_HOME
points at the private cluster, and the session's test database must not be made there.
"""

import os
import shutil
import socket
import subprocess
import sys

import pytest

from geo import localdb
from geo.db import connect, fetch_value
from geo.errors import SetupError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    """A throw-away cluster under .civgeo (its folders must be reachable by the server user)."""
    root = localdb.home() / "test-cluster"
    shutil.rmtree(root, ignore_errors=True)
    old = {k: os.environ.get(k) for k in ("CIVGEO_HOME", "CIVGEO_PG_PORT", "DATABASE_URL")}
    os.environ.update(CIVGEO_HOME=str(root), CIVGEO_PG_PORT=str(_free_port()))
    os.environ.pop("DATABASE_URL", None)
    try:
        c = localdb.up()
        yield c
    finally:
        localdb.stop(localdb.cluster())
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(root, ignore_errors=True)


def test_up_is_idempotent_and_down_up_keeps_data(cluster):
    conn = connect(cluster.url())
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS kept (v int); INSERT INTO kept VALUES (42)")
    conn.commit()
    conn.close()
    assert localdb.up() == cluster          # running already: nothing to do
    assert localdb.stop(cluster) is True
    assert localdb.server_pid(cluster) is None
    assert localdb.stop(cluster) is False   # stopping twice is fine
    localdb.up()
    conn = connect(cluster.url())
    assert fetch_value(conn, "SELECT sum(v) FROM kept") == 42
    conn.close()


def test_start_after_reboot_with_stale_pid_file(cluster):
    localdb.stop(cluster)
    # After a reboot the old pid may belong to any other process: here, this test's own.
    (cluster.data / "postmaster.pid").write_text(f"{os.getpid()}\n{cluster.data}\n")
    assert localdb.server_pid(cluster) is None
    assert localdb.start(cluster) is True
    assert localdb.server_pid(cluster) is not None


def test_port_taken_is_one_clear_error(cluster):
    localdb.stop(cluster)
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        blocker.bind(("127.0.0.1", cluster.port))
        blocker.listen()
        with pytest.raises(SetupError, match=f"port {cluster.port} is taken.*CIVGEO_PG_PORT"):
            localdb.start(cluster)
    localdb.start(cluster)


def test_bad_port_setting(monkeypatch):
    monkeypatch.setenv("CIVGEO_PG_PORT", "eighty")
    with pytest.raises(SetupError, match="CIVGEO_PG_PORT"):
        localdb.cluster()


def test_bad_database_url_is_one_line_without_password():
    with pytest.raises(SetupError) as err:
        connect("postgresql://me:s3cret@127.0.0.1:1/nowhere")
    text = str(err.value)
    assert "s3cret" not in text and "***" in text and "\n" not in text
    assert "DATABASE_URL" in text


def test_cli_reports_bad_database_url_in_one_line():
    env = {**os.environ, "DATABASE_URL": "postgresql://me:pw@127.0.0.1:1/nowhere"}
    proc = subprocess.run([sys.executable, "-m", "api.cli", "db", "migrate"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("civgeo: cannot connect")
    assert "Traceback" not in proc.stderr


def test_key_value_database_urls_are_masked_too():
    from geo.db import mask_url

    assert mask_url("host=db password=s3cret dbname=x") == "host=db password=*** dbname=x"

