"""Status updates: proposed by a planner, approved or rejected by another person.

An update is pending (待审核) until a reviewer who is not its author approves it; approval
appends one entry to the status history (which is never rewritten) citing ``update:<id>``, so the
project's status — derived from the history — changes for every reader at once. Every step is
one transaction with its audit entry.

Examples
--------
>>> u = propose(store, user, {"project_id": "uv-dongku", "status": "topped_out",  # doctest: +SKIP
...     "date": "2026-11-20", "kind": "report", "source_title": "进度通报",
...     "source_publisher": "永康市住建局", "source_date": "2026-11-21"})
>>> approve(store, reviewer, u["update_id"])["state"]  # doctest: +SKIP
'approved'
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from geoapp.registry import DATE_PATTERN, derive_status
from geoapp.status import STATUS
from geoapp.store import attachments
from geoapp.store.core import Store, now
from geoapp.store.errors import Conflict, Forbidden, Invalid, NotFound
from geoapp.store.schema import TABLES, UPDATE_COLUMNS

KINDS = ("report", "target")
#: the fields a planner fills in (everything else is set by the store)
INPUT = ("project_id", "status", "date", "kind", "source_title", "source_publisher",
         "source_date", "source_url", "quote", "note")  # fmt: skip
STATES = ("pending", "approved", "rejected", "withdrawn")
#: field → (required, longest length)
TEXT_FIELDS = {
    "source_title": (True, 200),
    "source_publisher": (True, 100),
    "source_url": (False, 500),
    "quote": (False, 1000),
    "note": (False, 1000),
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(value: str, field: str, errors: dict[str, str], pattern=DAY) -> dt.date | None:
    if not pattern.match(value):
        errors[field] = f"{value!r} is not a date (YYYY-MM-DD)"
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        errors[field] = f"{value!r} is not a day of the calendar"
        return None


def _check_text(fields: dict[str, str], errors: dict[str, str]) -> None:
    for name, (required, longest) in TEXT_FIELDS.items():
        value = fields.get(name, "")
        if required and not value.strip():
            errors[name] = "required"
        elif len(value) > longest:
            errors[name] = f"at most {longest} characters (it has {len(value)})"
        elif any(ord(c) < 32 and c not in "\n\t" for c in value):
            errors[name] = "contains control characters"
    url = fields.get("source_url", "")
    if url and not re.match(r"^https?://[^\s<>\"']+$", url):
        errors.setdefault("source_url", "must be an http:// or https:// address without spaces")


def check_update(fields: dict[str, str], today: dt.date) -> dict[str, str]:
    """Every problem with a proposed update's fields (field → what to fix); {} if none."""
    errors: dict[str, str] = {}
    if fields.get("status") not in STATUS:
        errors["status"] = f"must be one of: {', '.join(STATUS)}"
    if fields.get("kind") not in KINDS:
        errors["kind"] = "must be report (it happened) or target (a new aim)"
    day = _day(fields.get("date", ""), "date", errors)
    if day and fields.get("kind") == "report" and day > today:
        errors["date"] = f"{day} is in the future: a report says what has happened"
    src = _day(fields.get("source_date", ""), "source_date", errors, DATE_PATTERN)
    if src and src > today:
        errors["source_date"] = f"{src} is in the future"
    _check_text(fields, errors)
    return errors


def _row(cols: tuple, values: tuple) -> dict[str, Any]:
    return {c: ("" if v is None else v) for c, v in zip(cols, values, strict=True)}


def get_update(store: Store, update_id: str, tx=None) -> dict[str, Any]:
    """One update by id; ``NotFound`` otherwise."""
    sql = f"SELECT {', '.join(UPDATE_COLUMNS)} FROM updates WHERE update_id = ?"
    rows = tx.query(sql, (update_id,)) if tx else store.backend.read(sql, (update_id,))
    if not rows:
        raise NotFound(f"no update '{update_id}'", "update_id")
    return _row(tuple(UPDATE_COLUMNS), rows[0])


def list_updates(
    store: Store, state: str | None = None, project_id: str | None = None
) -> list[dict]:
    """Updates, newest first, optionally of one state and/or one project."""
    where, params = [], []
    if state:
        if state not in STATES:
            raise Invalid({"state": f"must be one of: {', '.join(STATES)}"})
        where.append("state = ?")
        params.append(state)
    if project_id:
        where.append("project_id = ?")
        params.append(project_id)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = store.backend.read(
        f"SELECT {', '.join(UPDATE_COLUMNS)} FROM updates{clause} ORDER BY created_at DESC, "
        "update_id DESC",
        params,
    )
    return [_row(tuple(UPDATE_COLUMNS), r) for r in rows]


def approved_updates(store: Store) -> dict[str, dict[str, Any]]:
    """update id → approved update (what the project pages cite)."""
    return {u["update_id"]: u for u in list_updates(store, "approved")}


def propose(store: Store, user, fields: dict[str, str], address: str = "",
            files: dict | None = None, max_bytes: int = attachments.MAX_BYTES,
            today: dt.date | None = None) -> dict:  # fmt: skip
    """Record a pending update by ``user``; ``Invalid`` lists what to fix.

    ``files`` may hold ``attachment`` (the source: PDF or image) and ``photo`` (a site photo),
    each as (file name, bytes); they are stored in the same transaction.
    """
    fields = {
        k: str(v) if k == "note" else str(v).strip() for k, v in fields.items() if v is not None
    }
    errors = check_update(fields, today or dt.date.today())
    uploads = {}
    for field, (filename, data) in (files or {}).items():
        kind, problem = attachments.check_upload(field, filename, data, max_bytes, field == "photo")
        if problem:
            errors[field] = problem
        else:
            uploads[field] = (filename, kind, data)
    if errors:
        raise Invalid(errors)
    update = {c: fields.get(c, "") if c in INPUT else "" for c in UPDATE_COLUMNS}
    update.update(
        update_id=f"u-{dt.datetime.now(dt.UTC):%Y%m%d}-{secrets.token_hex(4)}", state="pending",
        author=user.name, department=user.department, created_at=now(),
    )  # fmt: skip
    with store.write() as tx:
        if not tx.query("SELECT 1 FROM projects WHERE project_id = ?", (update["project_id"],)):
            raise NotFound(f"no project '{update['project_id']}'", "project_id")
        for field, (filename, kind, data) in uploads.items():
            update[f"{field}_id" if field == "photo" else "attachment_id"] = attachments.insert(
                tx, user.name, filename, kind, data
            )
        tx.execute(
            f"INSERT INTO updates ({', '.join(UPDATE_COLUMNS)}) VALUES "
            f"({', '.join('?' for _ in UPDATE_COLUMNS)})",
            [update[c] for c in UPDATE_COLUMNS],
        )
        store.audit(tx, user.name, "update.proposed", update["update_id"], None, update, address)
    return update


def _history_entry(update: dict[str, Any]) -> dict[str, str]:
    """The status-history entry an approved update appends."""
    target = update["kind"] == "target"
    return {
        "project_id": update["project_id"],
        "date": update["source_date"] if target else update["date"],
        "status": update["status"],
        "kind": "target" if target else "update",
        "target_year": update["date"][:4] if target else "",
        "source": f"update:{update['update_id']}",
        "quote": update["quote"].replace("\n", " "),
        "note": update["note"].replace("\n", " "),
    }


def _review(store: Store, user, update_id: str, state: str, reason: str, address: str) -> dict:
    """Move a pending update to ``state`` (approved/rejected/withdrawn) in one transaction."""
    with store.write(data=state == "approved") as tx:
        update = get_update(store, update_id, tx)
        if update["state"] != "pending":
            raise Conflict(f"update '{update_id}' is {update['state']}, no longer pending")
        if state == "approved":
            if update["author"] == user.name:
                raise Forbidden("an update needs a reviewer other than its author")
            _append_history(tx, update)
        before = dict(update)
        update.update(state=state, reviewed_by=user.name, reviewed_at=now(), reason=reason)
        tx.execute(
            "UPDATE updates SET state = ?, reviewed_by = ?, reviewed_at = ?, reason = ? "
            "WHERE update_id = ? AND state = 'pending'",
            (state, user.name, update["reviewed_at"], reason, update_id),
        )
        store.audit(tx, user.name, f"update.{state}", update_id, before, update, address)
    return update


def _append_history(tx, update: dict[str, Any]) -> None:
    """Append the update's entry; ``Conflict`` if the project is gone or the result is invalid."""
    cols = TABLES["status_history"][1]
    if not tx.query("SELECT 1 FROM projects WHERE project_id = ?", (update["project_id"],)):
        raise Conflict(f"project '{update['project_id']}' no longer exists")
    entry = _history_entry(update)
    seq = tx.query("SELECT COALESCE(MAX(seq), -1) + 1 FROM status_history")[0][0]
    tx.execute(
        f"INSERT INTO status_history (seq, raw, {', '.join(cols)}, update_id) VALUES "
        f"(?, NULL, {', '.join('?' for _ in cols)}, ?)",
        [seq, *[entry.get(c, "") for c in cols], update["update_id"]],
    )
    names = ", ".join(cols)
    mine = [
        dict(zip(cols, r, strict=True))
        for r in tx.query(f"SELECT {names} FROM status_history WHERE project_id = ?", (update["project_id"],))
    ]  # fmt: skip
    status = derive_status(mine)
    if status[0] not in STATUS or (status[2] and status[2] not in STATUS):
        raise Conflict(f"the history of '{update['project_id']}' would not give a valid status")


def approve(store: Store, user, update_id: str, address: str = "") -> dict:
    """Approve a pending update (not one's own): the project's status follows."""
    return _review(store, user, update_id, "approved", "", address)


def reject(store: Store, user, update_id: str, reason: str, address: str = "") -> dict:
    """Reject a pending update with a reason the author sees."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise Invalid({"reason": "say why, in at most 500 characters"})
    return _review(store, user, update_id, "rejected", reason, address)


def withdraw(store: Store, user, update_id: str, address: str = "") -> dict:
    """The author withdraws their own pending update (a new entry; nothing is deleted)."""
    if get_update(store, update_id)["author"] != user.name:
        raise Forbidden("only its author can withdraw an update")
    return _review(store, user, update_id, "withdrawn", "", address)
