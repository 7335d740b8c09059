"""The two backends: an embedded SQLite file (default) and PostgreSQL + PostGIS.

Both give the same three things: read queries, one write transaction at a time (SQLite's
``BEGIN IMMEDIATE``; PostgreSQL's transaction-scoped advisory lock), and a cheap way to see that
another process has written (a version row in ``meta``, read in one cheap query).
Statements are written once with ``?`` placeholders.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geoapp.store.schema import APPEND_ONLY, DDL, TABLES

#: idle connections kept per backend
POOL_SIZE = 8

#: the advisory lock key every PostgreSQL writer takes (one writer at a time, like SQLite).
WRITE_LOCK = 0x6765_6F61


def _close_all(conns: list) -> None:
    """Close and forget every connection in ``conns``."""
    while conns:
        try:
            conns.pop().close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone
            pass


class Tx:
    """A transaction's cursor: ``execute`` and ``query`` with ``?`` placeholders."""

    def __init__(self, backend: Backend, conn) -> None:
        self.backend, self.conn = backend, conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it touched."""
        if not params:
            return self.conn.execute(sql).rowcount
        return self.conn.execute(self.backend.sql(sql), tuple(params)).rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run a query; its rows as tuples."""
        cur = (
            self.conn.execute(self.backend.sql(sql), tuple(params))
            if params
            else (self.conn.execute(sql))
        )
        return [tuple(r) for r in cur]

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        """Run a query; its rows one at a time (a big layer is not held whole in memory)."""
        cur = self.conn.cursor()
        cur.execute(self.backend.sql(sql), tuple(params))
        while batch := cur.fetchmany(1000):
            yield from batch

    def many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        """Run one statement for each row."""
        if rows:
            self.conn.cursor().executemany(self.backend.sql(sql), [tuple(r) for r in rows])


class Backend:
    """What the two databases differ in."""

    name = ""
    ddl_words: dict[str, str] = {}

    def __init__(self) -> None:
        self._local = threading.local()
        self._idle: list = []
        self._lock = threading.Lock()
        # close idle connections when the backend goes, not when the garbage collector finds them
        weakref.finalize(self, _close_all, self._idle)

    def sql(self, text: str) -> str:
        """The statement in this driver's placeholder style."""
        return text

    def healthy(self, conn) -> bool:
        """Whether a connection may go back to the pool."""
        return True

    @contextmanager
    def conn(self) -> Iterator[Any]:
        """A connection for this block: this thread's current one, or one from the pool."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        conn = conn or self.connect()
        self._local.conn = conn
        try:
            yield conn
        finally:
            self._local.conn = None
            with self._lock:
                if self.healthy(conn) and len(self._idle) < POOL_SIZE:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                _close_all([conn])

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            _close_all(self._idle)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Every read on this thread inside the block sees one consistent state."""
        with self.conn() as conn:
            self.begin_read(conn)
            try:
                yield
            finally:
                conn.execute("COMMIT")

    def begin_read(self, conn) -> None:
        """Start a read transaction."""
        conn.execute("BEGIN")

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of a query (inside this thread's transaction if there is one)."""
        with self.conn() as conn:
            return Tx(self, conn).query(sql, params)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        """:meth:`read`, one row at a time."""
        with self.conn() as conn:
            yield from Tx(self, conn).rows(sql, params)

    def create_schema(self) -> None:
        """Create every table (idempotent); add columns a newer seed format has to older tables."""
        with self.transaction() as tx:
            for stmt in DDL:
                tx.execute(stmt.format(**self.ddl_words))
            for table, (_, cols) in TABLES.items():
                have = set(self.columns(tx, table))
                for col in cols:
                    if col not in have:
                        tx.execute(
                            f"ALTER TABLE {table} ADD COLUMN \"{col}\" TEXT NOT NULL DEFAULT ''"
                        )
            self.append_only(tx)

    def columns(self, tx: Tx, table: str) -> list[str]:
        """The column names of ``table``."""
        rows = tx.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", (table,)
        )
        return [r[0] for r in rows]

    def connect(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def transaction(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def append_only(self, tx: Tx) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def index_geometry(self, tx: Tx, layer: str, fid: str | None = None) -> None:
        """Fill a spatial column from the features' GeoJSON (PostGIS only): the layer's, or one
        feature's."""


class SQLiteBackend(Backend):
    """One file, WAL mode, many readers, one writer (``BEGIN IMMEDIATE``)."""

    name = "sqlite"
    ddl_words = {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"}

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)

    def describe(self) -> str:
        """Where the data lives (for logs and the CLI)."""
        return str(self.path)

    def connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode (transactions are begun explicitly)."""
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=60000")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction; rolled back on any exception."""
        with self.conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self, conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def columns(self, tx: Tx, table: str) -> list[str]:
        """The column names of ``table``."""
        return [r[1] for r in tx.query(f"PRAGMA table_info({table})")]

    def healthy(self, conn) -> bool:
        """Not left inside a transaction."""
        return not conn.in_transaction

    def append_only(self, tx: Tx) -> None:
        """Triggers refusing UPDATE (and DELETE on the audit trail)."""
        for table in APPEND_ONLY:
            ops = ("UPDATE", "DELETE") if table == "audit" else ("UPDATE",)
            for op in ops:
                tx.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


class PostgresBackend(Backend):
    """PostgreSQL + PostGIS: the same tables, a geometry column, an advisory write lock."""

    name = "postgresql"
    ddl_words = {"serial": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA"}

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def describe(self) -> str:
        """Where the data lives, without a password."""
        import psycopg.conninfo

        info = psycopg.conninfo.conninfo_to_dict(self.url)
        return (
            f"postgresql://{info.get('host', '')}:{info.get('port', '')}/{info.get('dbname', '')}"
        )

    def begin_read(self, conn) -> None:
        """A repeatable-read transaction: one snapshot for the whole dump."""
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def sql(self, text: str) -> str:
        """``?`` → ``%s``."""
        return text.replace("%", "%%").replace("?", "%s")

    def connect(self):
        """An autocommit connection (transactions are begun explicitly)."""
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction under the store's advisory lock; rolled back on any exception."""
        with self.conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield Tx(self, conn)

    def healthy(self, conn) -> bool:
        """Not closed, not broken, not inside a transaction."""
        import psycopg

        return (
            not conn.closed
            and not conn.broken
            and (conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE)
        )

    def append_only(self, tx: Tx) -> None:
        """PostGIS, the geometry column, and triggers refusing UPDATE/DELETE."""
        tx.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        tx.execute("ALTER TABLE features ADD COLUMN IF NOT EXISTS geom geometry(Geometry, 4326)")
        tx.execute(
            "CREATE OR REPLACE FUNCTION geoapp_geom(g text) RETURNS geometry LANGUAGE plpgsql "
            "IMMUTABLE AS $$ BEGIN RETURN ST_SetSRID(ST_GeomFromGeoJSON(g), 4326); "
            "EXCEPTION WHEN OTHERS THEN RETURN NULL; END $$"
        )
        tx.execute(
            "CREATE OR REPLACE FUNCTION geoapp_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            ops = "UPDATE OR DELETE" if table == "audit" else "UPDATE"
            tx.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            tx.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE {ops} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION geoapp_append_only()"
            )

    def index_geometry(self, tx: Tx, layer: str, fid: str | None = None) -> None:
        """``geom`` from the features' GeoJSON in one statement; a geometry PostGIS cannot read
        stays NULL (``geoapp_geom`` catches it; the loader reports bad geometry by feature id).
        One statement, not one per feature: a layer of a million parcels is not a million
        round trips, and a one-feature write touches its one row."""
        where = " AND fid = ?" if fid is not None else ""
        tx.execute(
            "UPDATE features SET geom = geoapp_geom(geometry) "
            f"WHERE layer = ? AND geometry IS NOT NULL{where}",
            (layer,) if fid is None else (layer, fid),
        )
