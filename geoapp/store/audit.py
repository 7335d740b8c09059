"""Reading the audit trail (entries are written by :meth:`geoapp.store.core.Store.audit`).

Examples
--------
>>> [e["action"] for e in list_audit(store, action="update.approved")][:1]  # doctest: +SKIP
['update.approved']
"""

from __future__ import annotations

import csv
import io
import json

from geoapp.store.core import Store
from geoapp.store.schema import AUDIT_COLUMNS

MAX_ROWS = 5000


def list_audit(store: Store, actor: str = "", action: str = "", target: str = "", since: str = "",
               until: str = "", limit: int = MAX_ROWS) -> list[dict]:  # fmt: skip
    """Entries newest first; ``action`` may be a prefix (``update.``); times compare as text."""
    where, params = [], []
    for col, value in (("actor", actor), ("target", target)):
        if value:
            where.append(f"{col} = ?")
            params.append(value)
    if action:
        where.append("action LIKE ?")
        params.append(action.replace("%", "").replace("_", "\\_") + "%")
    if since:
        where.append("at >= ?")
        params.append(since)
    if until:
        where.append("at <= ?")
        params.append(until + ("T99" if len(until) == 10 else ""))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    escape = " ESCAPE '\\'" if action else ""
    rows = store.backend.read(
        f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit{clause.replace('action LIKE ?', 'action LIKE ?' + escape)} "
        f"ORDER BY seq DESC LIMIT {int(limit)}",
        params,
    )
    out = []
    for r in rows:
        entry = dict(zip(AUDIT_COLUMNS, r, strict=True))
        for k in ("before", "after"):
            entry[k] = json.loads(entry[k]) if entry[k] else None
        out.append(entry)
    return out


def audit_csv(entries: list[dict]) -> str:
    """The entries as CSV (before/after as JSON text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for e in entries:
        writer.writerow(
            [json.dumps(e[c], ensure_ascii=False, sort_keys=True) if c in ("before", "after") and e[c] is not None
             else ("" if e[c] is None else e[c]) for c in AUDIT_COLUMNS]
        )  # fmt: skip
    return out.getvalue()
