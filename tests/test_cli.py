"""The civgeo command line, run as a user would, against the test database."""

from geo import users
from geo.db import connect
from tests.cli import civgeo


def test_users_add_prints_a_working_token_once(db_url):
    proc = civgeo(db_url, "users", "add", "cli-planner", "--role", "planner")
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip().splitlines()[-1]
    conn = connect(db_url)
    try:
        actor = users.authenticate(conn, token)
        assert (actor.name, actor.role) == ("cli-planner", "planner")
    finally:
        conn.rollback()
        conn.close()
    listed = civgeo(db_url, "users", "list")
    assert "cli-planner" in listed.stdout and token not in listed.stdout
    again = civgeo(db_url, "users", "add", "cli-planner", "--role", "admin")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_unknown_role_is_refused_by_the_parser(db_url):
    proc = civgeo(db_url, "users", "add", "x", "--role", "mayor")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_db_status_reports_versions(db_url):
    proc = civgeo(db_url, "db", "status")
    assert proc.returncode == 0, proc.stderr
    assert '"postgis": "3.' in proc.stdout and '"mode": "external"' in proc.stdout


def test_an_unexpected_argument_shows_the_usage_of_its_command(db_url):
    proc = civgeo(db_url, "boundaries", "lines", "430202")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("usage: civgeo boundaries lines ")
    assert proc.stderr.endswith("civgeo boundaries lines: error: unrecognized arguments: "
                                "430202\n")
