"""Users and tokens: hashed at rest, roles checked, every change audited."""

import pytest

from geo import audit, users
from geo.db import fetch_all, fetch_value
from geo.errors import Conflict, InvalidInput, NotFound
from tests.factories import TEST_ACTOR


def test_add_user_stores_only_a_digest(conn):
    new = users.add_user(conn, TEST_ACTOR, "王科长", "names_officer")
    assert new.token.startswith("cg_") and len(new.token) > 40
    stored = fetch_value(conn, "SELECT token_sha256 FROM api_tokens WHERE user_id = %s", (new.id,))
    assert stored != new.token and new.token not in stored and len(stored) == 64
    assert users.authenticate(conn, new.token) == audit.Actor("王科长", "names_officer", new.id)


def test_unknown_token_is_rejected(conn):
    users.add_user(conn, TEST_ACTOR, "a", "planner")
    assert users.authenticate(conn, "cg_not-a-token") is None


def test_duplicate_name_conflicts(conn):
    users.add_user(conn, TEST_ACTOR, "a", "planner")
    with pytest.raises(Conflict, match="already exists"):
        users.add_user(conn, TEST_ACTOR, "a", "admin")


@pytest.mark.parametrize(("name", "role", "field"), [("", "planner", "name"),
                                                     ("b", "mayor", "role")])
def test_bad_input_names_the_field(conn, name, role, field):
    with pytest.raises(InvalidInput) as err:
        users.add_user(conn, TEST_ACTOR, name, role)
    assert err.value.field == field


def test_revoke_and_disable(conn):
    new = users.add_user(conn, TEST_ACTOR, "c", "inspector")
    second = users.issue_token(conn, new.id)
    assert users.revoke_user(conn, TEST_ACTOR, "c", disable=True) == 2
    assert users.authenticate(conn, new.token) is None
    assert users.authenticate(conn, second) is None
    with pytest.raises(NotFound):
        users.revoke_user(conn, TEST_ACTOR, "nobody")


def test_changes_are_audited(conn):
    new = users.add_user(conn, TEST_ACTOR, "d", "planner")
    users.revoke_user(conn, TEST_ACTOR, "d")
    rows = audit.list_entries(conn, entity="user", entity_id=str(new.id))
    assert [r["action"] for r in rows] == ["users.revoke", "users.add"]
    assert rows[1]["after"] == {"name": "d", "role": "planner"}
    assert rows[1]["actor"] == "test"
    assert all(r["at"] is not None for r in fetch_all(conn, "SELECT at FROM audit_log"))
