"""The store's tables, one DDL text for both backends (``{serial}``/``{blob}`` differ).

Seed data keeps the text it was written as (``raw``), so ``geoapp dump`` gives the bundled files
back byte for byte; rows a user adds are formatted the standard way.
"""

from __future__ import annotations

from geoapp.registry import COLUMNS, OPTIONAL_COLUMNS

#: projects.csv columns the store derives from the status history instead of storing them.
DERIVED = ("status", "status_date", "target_status", "target_year")


def _kept(name: str) -> list[str]:
    """A registry file's columns the store keeps: required (minus derived) and optional."""
    derived = DERIVED if name == "projects.csv" else ()
    return [c for c in COLUMNS[name] + OPTIONAL_COLUMNS.get(name, []) if c not in derived]


#: registry table name → its CSV file and the columns the store keeps.
TABLES: dict[str, tuple[str, list[str]]] = {
    table: (f"{table}.csv", _kept(f"{table}.csv"))
    for table in ("sources", "projects", "status_history", "indicators")
}

UPDATE_COLUMNS = [
    "update_id", "project_id", "status", "date", "kind", "source_title", "source_publisher",
    "source_date", "source_url", "quote", "note", "attachment_id", "photo_id", "state", "author",
    "department", "created_at", "reviewed_by", "reviewed_at", "reason",
]  # fmt: skip

AUDIT_COLUMNS = ["seq", "at", "actor", "action", "target", "before", "after", "address"]


def _registry_ddl() -> list[str]:
    out = []
    for table, (_, cols) in TABLES.items():
        extra = ", update_id TEXT" if table == "status_history" else ""
        body = ", ".join(f"\"{c}\" TEXT NOT NULL DEFAULT ''" for c in cols)
        out.append(
            f"CREATE TABLE IF NOT EXISTS {table} (seq INTEGER PRIMARY KEY, raw TEXT, {body}{extra})"
        )
    return out


DDL: list[str] = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # one row per seed file: the text around its rows (header, separators, closing brackets)
    "CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, prefix TEXT NOT NULL, "
    "separator TEXT NOT NULL, suffix TEXT NOT NULL, opaque INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS features (layer TEXT NOT NULL, position INTEGER NOT NULL, "
    "fid TEXT NOT NULL, doc TEXT NOT NULL, geometry TEXT, version INTEGER NOT NULL DEFAULT 1, "
    "updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, PRIMARY KEY (layer, position))",
    "CREATE INDEX IF NOT EXISTS features_fid ON features (fid)",
    # what the layer cache's keys sum per layer (store/layer_cache.py), read from the index alone
    "CREATE INDEX IF NOT EXISTS features_stamp ON features (layer, version, updated_at)",
    # every replaced version of a feature (imports keep the previous one here)
    "CREATE TABLE IF NOT EXISTS feature_versions (layer TEXT NOT NULL, fid TEXT NOT NULL, "
    "version INTEGER NOT NULL, doc TEXT NOT NULL, replaced_at TEXT NOT NULL, "
    "replaced_by TEXT NOT NULL)",
    *_registry_ddl(),
    "CREATE TABLE IF NOT EXISTS updates ("
    + ", ".join(f"{c} TEXT" + (" PRIMARY KEY" if c == "update_id" else "") for c in UPDATE_COLUMNS)
    + ")",
    "CREATE INDEX IF NOT EXISTS updates_state ON updates (state)",
    "CREATE TABLE IF NOT EXISTS attachments (attachment_id TEXT PRIMARY KEY, filename TEXT NOT "
    "NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, data {blob} "
    "NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, department "
    "TEXT NOT NULL DEFAULT '', password_hash TEXT NOT NULL DEFAULT '', disabled INTEGER NOT NULL "
    "DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, locked_until TEXT NOT NULL DEFAULT '', "
    "created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (token_hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, "
    "name TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS audit (seq {serial}, at TEXT NOT NULL, actor TEXT NOT NULL, "
    "action TEXT NOT NULL, target TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL, "
    "address TEXT NOT NULL DEFAULT '')",
]

#: the tables no statement may UPDATE or DELETE (enforced by triggers in each backend).
APPEND_ONLY = ("audit", "status_history")
