"""Passwords, the sign-in lock and server-side sessions (geo.sessions)."""

from __future__ import annotations

import pytest

from geo import sessions
from geo.db import execute, fetch_all, fetch_value
from geo.errors import InvalidInput
from tests.factories import TEST_ACTOR, add_user

POLICY = sessions.Policy(session_hours=12, idle_minutes=60, max_failures=5, lock_minutes=15)
PASSWORD = "correct horse 42"


@pytest.fixture
def staff(conn):
    add_user(conn, "planner", "王规划")
    sessions.set_password(conn, TEST_ACTOR, "王规划", PASSWORD)
    return "王规划"


def test_the_password_is_stored_as_argon2id_never_in_clear(conn, staff):
    stored = fetch_value(conn, "SELECT password_hash FROM users WHERE name = %s", (staff,))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("bad", ["short", " leading space 123", "x" * 257, "tab\tinside 1234"])
def test_unfit_passwords_are_refused(conn, staff, bad):
    with pytest.raises(InvalidInput) as err:
        sessions.set_password(conn, TEST_ACTOR, staff, bad)
    assert err.value.field == "password"


def test_a_right_password_opens_a_session_the_cookie_finds(conn, staff):
    result = sessions.sign_in(conn, staff, PASSWORD, POLICY, address="127.0.0.1")
    assert result.ok and result.actor.role == "planner" and result.token and result.csrf
    found = sessions.session(conn, result.token, POLICY)
    assert found.actor.name == staff and found.csrf == result.csrf
    # only the digest is kept
    assert fetch_value(conn, "SELECT count(*) FROM sessions WHERE token_sha256 = %s",
                       (result.token,)) == 0
    assert sessions.session(conn, result.token + "x", POLICY) is None


def test_a_wrong_name_and_a_wrong_password_are_told_apart_by_nobody(conn, staff):
    assert sessions.sign_in(conn, "nobody", PASSWORD, POLICY).reason == "bad_credentials"
    assert sessions.sign_in(conn, staff, "wrong password!", POLICY).reason == "bad_credentials"


def test_five_failures_lock_the_user_even_against_the_right_password(conn, staff):
    for _ in range(4):
        assert sessions.sign_in(conn, staff, "wrong password!", POLICY).reason == "bad_credentials"
    fifth = sessions.sign_in(conn, staff, "wrong password!", POLICY)
    assert fifth.reason == "locked" and fifth.locked_until is not None
    assert sessions.sign_in(conn, staff, PASSWORD, POLICY).reason == "locked"
    minutes = fetch_value(conn, "SELECT extract(epoch FROM locked_until - now()) / 60 FROM users "
                                "WHERE name = %s", (staff,))
    assert 14 < float(minutes) <= 15
    # the lock ends by itself
    execute(conn, "UPDATE users SET locked_until = now() - interval '1 second' WHERE name = %s",
            (staff,))
    assert sessions.sign_in(conn, staff, PASSWORD, POLICY).ok


def test_a_success_clears_the_failure_count(conn, staff):
    for _ in range(4):
        sessions.sign_in(conn, staff, "wrong password!", POLICY)
    assert sessions.sign_in(conn, staff, PASSWORD, POLICY).ok
    for _ in range(4):
        sessions.sign_in(conn, staff, "wrong password!", POLICY)
    assert sessions.sign_in(conn, staff, PASSWORD, POLICY).ok


def test_sessions_end_when_expired_idle_revoked_or_the_user_is_disabled(conn, staff):
    def opened():
        return sessions.sign_in(conn, staff, PASSWORD, POLICY).token

    expired, idle, revoked, signed_out = opened(), opened(), opened(), opened()
    execute(conn, "UPDATE sessions SET expires_at = now() - interval '1 second' "
                  "WHERE id = (SELECT min(id) FROM sessions)")
    execute(conn, "UPDATE sessions SET last_seen_at = now() - interval '61 minutes' "
                  "WHERE id = (SELECT min(id) + 1 FROM sessions)")
    assert sessions.session(conn, expired, POLICY) is None
    assert sessions.session(conn, idle, POLICY) is None
    assert sessions.sign_out(conn, signed_out)
    assert sessions.session(conn, signed_out, POLICY) is None
    assert sessions.session(conn, revoked, POLICY) is not None
    assert sessions.revoke_sessions(conn, TEST_ACTOR, staff) == 2   # the idle one too
    assert sessions.session(conn, revoked, POLICY) is None
    kept = opened()
    execute(conn, "UPDATE users SET disabled_at = now() WHERE name = %s", (staff,))
    assert sessions.session(conn, kept, POLICY) is None


def test_sign_ins_failures_locks_and_sign_outs_are_audited(conn, staff):
    for _ in range(5):
        sessions.sign_in(conn, staff, "wrong password!", POLICY)
    execute(conn, "UPDATE users SET locked_until = NULL WHERE name = %s", (staff,))
    token = sessions.sign_in(conn, staff, PASSWORD, POLICY).token
    sessions.sign_out(conn, token)
    actions = [r["action"] for r in fetch_all(
        conn, "SELECT action FROM audit_log WHERE action LIKE 'auth.%%' ORDER BY id")]
    assert actions == ["auth.sign_in_failed"] * 5 + ["auth.locked", "auth.sign_in",
                                                      "auth.sign_out"]
