"""Accounts: users with one role each, argon2 password hashes, API tokens, sign-in lockout.

Roles: ``viewer`` (read only), ``planner`` (proposes updates), ``reviewer`` (approves or rejects
other people's updates), ``gis`` (imports shapes, edits features over ``/ogc``), ``admin`` (accounts). What each may do is one
table, :data:`CAN`. Every account change and every failed sign-in is an audit entry.

Examples
--------
>>> add_user(store, "wang", "planner", "规划局", "correct horse", actor="admin")  # doctest: +SKIP
>>> check_password(store, "wang", "correct horse").role  # doctest: +SKIP
'planner'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geoapp.store.core import Store, now
from geoapp.store.errors import Conflict, Forbidden, Invalid, Locked, NotFound, Unauthorized

ROLES = ("viewer", "planner", "reviewer", "gis", "admin")
#: action → the roles that may do it
CAN: dict[str, frozenset[str]] = {
    "propose": frozenset({"planner", "reviewer", "admin"}),
    "review": frozenset({"reviewer", "admin"}),
    "audit": frozenset({"reviewer", "admin"}),
    "import": frozenset({"gis", "admin"}),
    "edit": frozenset({"gis", "admin"}),  # single features over OGC API – Features Part 4
    "users": frozenset({"admin"}),
}
#: failed sign-ins before each further attempt is slowed, and before the account locks
SLOW_AFTER, LOCK_AFTER = 3, 5
LOCK_MINUTES = 15
NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A signed-in person (or the anonymous viewer)."""

    name: str
    role: str
    department: str = ""
    disabled: bool = False

    def can(self, action: str) -> bool:
        """Whether this role may do ``action`` (see :data:`CAN`)."""
        return not self.disabled and self.role in CAN[action]


ANONYMOUS = User("", "viewer")


def require(user: User, action: str) -> None:
    """``Unauthorized`` for the anonymous viewer, ``Forbidden`` for a role that may not."""
    if not user.name:
        raise Unauthorized("sign in first (a session or an API token)")
    if not user.can(action):
        allowed = ", ".join(sorted(CAN[action]))
        raise Forbidden(f"role '{user.role}' may not {action} (needs one of: {allowed})")


def _user_row(store: Store, name: str, tx=None) -> tuple | None:
    sql = "SELECT name, role, department, disabled, password_hash, failed, locked_until FROM users WHERE name = ?"
    rows = tx.query(sql, (name,)) if tx else store.backend.read(sql, (name,))
    return rows[0] if rows else None


def get_user(store: Store, name: str) -> User | None:
    """The user called ``name``, or None."""
    row = _user_row(store, name)
    return User(row[0], row[1], row[2], bool(row[3])) if row else None


def list_users(store: Store) -> list[User]:
    """Every user, by name."""
    rows = store.backend.read("SELECT name, role, department, disabled FROM users ORDER BY name")
    return [User(r[0], r[1], r[2], bool(r[3])) for r in rows]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid({"password": f"at least {MIN_PASSWORD} characters"})


def add_user(store: Store, name: str, role: str, department: str, password: str | None,
             actor: str, address: str = "") -> User:  # fmt: skip
    """Create a user (a password, or None for a single-sign-on-only account)."""
    errors = {}
    if not NAME.match(name or ""):
        errors["name"] = "2–64 letters, digits, '_', '.', '@' or '-'"
    if role not in ROLES:
        errors["role"] = f"must be one of: {', '.join(ROLES)}"
    if len(department) > 100:
        errors["department"] = "at most 100 characters"
    if errors:
        raise Invalid(errors)
    if password is not None:
        _check_password(password)
    hashed = _HASHER.hash(password) if password is not None else ""
    with store.write() as tx:
        if _user_row(store, name, tx):
            raise Conflict(f"user '{name}' exists already", "name")
        tx.execute(
            "INSERT INTO users (name, role, department, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, role, department, hashed, now()),
        )
        after = {"name": name, "role": role, "department": department}
        store.audit(tx, actor, "user.created", name, None, after, address)
    return User(name, role, department)


def _change_user(
    store: Store, name: str, actor: str, action: str, sets: dict, address: str = ""
) -> None:
    with store.write() as tx:
        row = _user_row(store, name, tx)
        if row is None:
            raise NotFound(f"no user '{name}'", "name")
        before = {"role": row[1], "department": row[2], "disabled": bool(row[3])}
        tx.execute(
            f"UPDATE users SET {', '.join(f'{k} = ?' for k in sets)} WHERE name = ?",
            (*sets.values(), name),
        )
        after = {**before, **{k: v for k, v in sets.items() if k in before}}
        if "disabled" in after:
            after["disabled"] = bool(after["disabled"])
        store.audit(tx, actor, action, name, before, after, address)


def set_role(store: Store, name: str, role: str, actor: str, address: str = "") -> None:
    """Change a user's role."""
    if role not in ROLES:
        raise Invalid({"role": f"must be one of: {', '.join(ROLES)}"})
    _change_user(store, name, actor, "user.role_changed", {"role": role}, address)


def disable_user(store: Store, name: str, actor: str, address: str = "") -> None:
    """Disable an account: it can no longer sign in, and its tokens stop working."""
    _change_user(store, name, actor, "user.disabled", {"disabled": 1}, address)


def set_password(store: Store, name: str, password: str, actor: str, address: str = "") -> None:
    """Set a new password (and lift any lockout)."""
    _check_password(password)
    sets = {"password_hash": _HASHER.hash(password), "failed": 0, "locked_until": ""}
    _change_user(store, name, actor, "user.password_set", sets, address)


def check_password(store: Store, name: str, password: str, address: str = "") -> User:
    """The user if ``password`` is right; ``Locked`` or ``Unauthorized`` otherwise (audited)."""
    row = _user_row(store, name)
    stamp = now()
    if row and row[6] and row[6] > stamp:
        _failed(store, name, address, "locked")
        raise Locked(f"too many failed sign-ins: locked until {row[6]} (UTC)")
    ok = False
    if row and row[4] and not row[3]:
        try:
            ok = _HASHER.verify(row[4], password)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok:
        failed = _failed(
            store, name if row else "", address, "bad password", unknown=name if not row else ""
        )
        if failed >= LOCK_AFTER:
            raise Locked(f"too many failed sign-ins: locked for {LOCK_MINUTES} minutes")
        raise Unauthorized("wrong user name or password")
    if row[5]:
        with store.write() as tx:
            tx.execute("UPDATE users SET failed = 0, locked_until = '' WHERE name = ?", (name,))
    return User(row[0], row[1], row[2], bool(row[3]))


def failed_count(store: Store, name: str) -> int:
    """How many sign-ins failed in a row for ``name`` (0 for an unknown name)."""
    row = _user_row(store, name)
    return row[5] if row else 0


def _failed(store: Store, name: str, address: str, why: str, unknown: str = "") -> int:
    """Count (and audit) a failed sign-in; lock the account at LOCK_AFTER. The new count."""
    with store.write() as tx:
        count = 0
        if name:
            tx.execute("UPDATE users SET failed = failed + 1 WHERE name = ?", (name,))
            count = tx.query("SELECT failed FROM users WHERE name = ?", (name,))[0][0]
            if count >= LOCK_AFTER and why != "locked":
                until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=LOCK_MINUTES)
                tx.execute(
                    "UPDATE users SET locked_until = ? WHERE name = ?",
                    (until.strftime("%Y-%m-%dT%H:%M:%SZ"), name),
                )
        store.audit(
            tx, name or unknown, "login.failed", name or unknown, None, {"why": why}, address
        )
    return count


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, actor: str) -> tuple[str, str]:
    """A new API token for ``name``: (token id, the token — shown once, stored hashed)."""
    if get_user(store, name) is None:
        raise NotFound(f"no user '{name}'", "name")
    token_id = secrets.token_hex(4)
    token = f"gk_{token_id}_{secrets.token_urlsafe(32)}"
    with store.write() as tx:
        tx.execute(
            "INSERT INTO tokens (token_hash, token_id, name, created_at) VALUES (?, ?, ?, ?)",
            (_token_hash(token), token_id, name, now()),
        )
        store.audit(tx, actor, "token.created", name, None, {"token_id": token_id})
    return token_id, token


def revoke_token(store: Store, token_id: str, actor: str) -> str:
    """Revoke a token by its id; the user it belonged to."""
    rows = store.backend.read(
        "SELECT name FROM tokens WHERE token_id = ? AND revoked_at = ''", (token_id,)
    )
    if not rows:
        raise NotFound(f"no active token '{token_id}'", "token_id")
    with store.write() as tx:
        tx.execute("UPDATE tokens SET revoked_at = ? WHERE token_id = ?", (now(), token_id))
        store.audit(tx, actor, "token.revoked", rows[0][0], None, {"token_id": token_id})
    return rows[0][0]


def user_for_token(store: Store, token: str) -> User:
    """The active user a bearer token belongs to; ``Unauthorized`` otherwise."""
    rows = store.backend.read(
        "SELECT u.name, u.role, u.department, u.disabled FROM tokens t JOIN users u ON u.name = t.name "
        "WHERE t.token_hash = ? AND t.revoked_at = ''",
        (_token_hash(token),),
    )
    if not rows or rows[0][3]:
        raise Unauthorized("the API token is unknown, revoked or its user disabled")
    return User(rows[0][0], rows[0][1], rows[0][2])


def active_user(store: Store, name: str) -> User:
    """The user a session or a single-sign-on header names, if still active; else Forbidden."""
    user = get_user(store, name)
    if user is None or user.disabled:
        raise Forbidden(f"no active account '{name}'")
    return user
