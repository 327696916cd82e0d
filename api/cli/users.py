"""``civgeo users …``: people and API clients, their roles and bearer tokens (DESIGN §4)."""

from __future__ import annotations

import getpass
import sys

from api.cli import command, group, session
from geo import sessions, users
from geo.audit import Actor
from geo.errors import InvalidInput


def _read_password(args) -> str | None:
    """The new password: from standard input (``--password-stdin``, one line), or typed
    twice at a prompt (``--password``); None when neither was asked for."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if not getattr(args, "password", False):
        return None
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        raise InvalidInput("the two passwords differ", field="password")
    return first


def add(args) -> None:
    """Create a user and print its token (shown once); with ``--password`` or
    ``--password-stdin`` the user can also sign in from a browser."""
    password = _read_password(args)
    if password is not None:
        sessions.check_password(password)
    with session(write=True) as conn:
        new = users.add_user(conn, Actor.cli(), args.name, args.role)
        if password is not None:
            sessions.set_password(conn, Actor.cli(), new.name, password)
    print(f"user {new.name} ({new.role}) created; its token, shown only now:")
    print(new.token)
    if password is not None:
        print("it can sign in at /login with its password")


def passwd(args) -> None:
    """Set a user's password (typed twice, or ``--password-stdin``); clears a lock."""
    args.password = not args.password_stdin
    password = _read_password(args)
    with session(write=True) as conn:
        sessions.set_password(conn, Actor.cli(), args.name, password)
    print(f"password of {args.name} set")


def unlock(args) -> None:
    """Clear a user's failed sign-ins and lock."""
    with session(write=True) as conn:
        sessions.unlock(conn, Actor.cli(), args.name)
    print(f"{args.name} unlocked")


def list_sessions(args) -> None:
    """List open browser sessions (of a user)."""
    with session() as conn:
        rows = sessions.open_sessions(conn, args.name)
    for s in rows:
        print(f"{s['id']:>6} {s['name']:<20} since {s['created_at']:%Y-%m-%d %H:%M}  "
              f"last seen {s['last_seen_at']:%Y-%m-%d %H:%M}  {s['address'] or ''}")


def list_users(args) -> None:
    """List users with their roles and how many active tokens each has."""
    with session() as conn:
        rows = users.list_users(conn)
    for u in rows:
        state = "disabled" if u["disabled_at"] else f"{u['active_tokens']} active token(s)"
        print(f"{u['name']:<24} {u['role']:<15} {state}")


def token(args) -> None:
    """Issue another token for an existing user and print it (shown once)."""
    with session(write=True) as conn:
        issued = users.new_token(conn, Actor.cli(), args.name)
    print(issued)


def revoke(args) -> None:
    """Revoke every token and browser session of a user (and optionally disable it)."""
    with session(write=True) as conn:
        n = users.revoke_user(conn, Actor.cli(), args.name, disable=args.disable)
    disabled = " and disabled the user" if args.disable else ""
    print(f"revoked {n} token(s) and every session of {args.name}{disabled}")


def register(subparsers) -> None:
    """Add ``civgeo users add|list|token|revoke|passwd|unlock|sessions``."""
    us = group(subparsers, "users", "users, passwords, tokens and sessions")
    new = command(us, "add", add)
    new.add_argument("name", help="the user's name (unique)")
    new.add_argument("--role", required=True, choices=users.ROLES)
    how = new.add_mutually_exclusive_group()
    how.add_argument("--password", action="store_true",
                     help="prompt for a password, so the user can sign in from a browser")
    how.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    pw = command(us, "passwd", passwd)
    pw.add_argument("name", help="an existing user's name")
    pw.add_argument("--password-stdin", action="store_true",
                    help="read the password from standard input instead of prompting")
    command(us, "unlock", unlock).add_argument("name", help="an existing user's name")
    command(us, "sessions", list_sessions).add_argument("name", nargs="?", default=None,
                                                        help="only this user's sessions")
    command(us, "list", list_users)
    command(us, "token", token).add_argument("name", help="an existing user's name")
    rev = command(us, "revoke", revoke)
    rev.add_argument("name", help="an existing user's name")
    rev.add_argument("--disable", action="store_true", help="also disable the user")
