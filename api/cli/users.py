"""``civgeo users …``: people and API clients, their roles and bearer tokens (DESIGN §4)."""

from __future__ import annotations

from api.cli import command, group, session
from geo import users
from geo.audit import Actor


def add(args) -> None:
    """Create a user and print its token (shown once)."""
    with session(write=True) as conn:
        new = users.add_user(conn, Actor.cli(), args.name, args.role)
    print(f"user {new.name} ({new.role}) created; its token, shown only now:")
    print(new.token)


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
    """Revoke every token of a user (and optionally disable the user)."""
    with session(write=True) as conn:
        n = users.revoke_user(conn, Actor.cli(), args.name, disable=args.disable)
    disabled = " and disabled the user" if args.disable else ""
    print(f"revoked {n} token(s) of {args.name}{disabled}")


def register(subparsers) -> None:
    """Add ``civgeo users add|list|token|revoke``."""
    us = group(subparsers, "users", "users and tokens")
    new = command(us, "add", add)
    new.add_argument("name", help="the user's name (unique)")
    new.add_argument("--role", required=True, choices=users.ROLES)
    command(us, "list", list_users)
    command(us, "token", token).add_argument("name", help="an existing user's name")
    rev = command(us, "revoke", revoke)
    rev.add_argument("name", help="an existing user's name")
    rev.add_argument("--disable", action="store_true", help="also disable the user")
