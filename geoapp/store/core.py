"""The store: one interface over the two backends, the seed, the dump and the version.

Every change is one transaction (:meth:`Store.write`): the checks run inside it and any
exception rolls it back, so nothing half-done is ever seen. ``data_version`` counts the changes
to served data (an approved update, an import, a seed); the catalog is rebuilt when it moves.

Examples
--------
>>> store = open_store({"DATA_DIR": "data", "LAYERS_DIR": "layers"})  # doctest: +SKIP
>>> store.dump(Path("/tmp/out"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geoapp.problems import DataError
from geoapp.registry import COLUMNS, OPTIONAL_COLUMNS, derive_status
from geoapp.store import files as sf
from geoapp.store.backends import Backend, PostgresBackend, SQLiteBackend, Tx
from geoapp.store.schema import DERIVED, TABLES

#: the embedded store's file name in the data directory.
STORE_FILE = "store.sqlite"
SYSTEM = "system"


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_files(data_dir: Path) -> list[Path]:
    """The seed files the store is filled from: layer GeoJSON and the registry CSVs."""
    data_dir = Path(data_dir)
    return sorted((data_dir / "geojson").glob("*.geojson")) + [
        data_dir / name for name in COLUMNS if (data_dir / name).exists()
    ]


def seed_hash(data_dir: Path) -> str:
    """A hash of the seed files' names and bytes."""
    h = hashlib.sha256()
    for p in seed_files(data_dir):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


class Store:
    """The system of record (see the module docstring)."""

    def __init__(self, backend: Backend, data_dir: Path) -> None:
        self.backend, self.data_dir = backend, Path(data_dir)

    def close(self) -> None:
        """Close the store's idle connections."""
        self.backend.close()

    # --- transactions and versions ------------------------------------------------------
    @contextmanager
    def write(self, data: bool = False) -> Iterator[Tx]:
        """One write transaction; ``data=True`` when it changes what the catalog serves."""
        with self.backend.transaction() as tx:
            yield tx
            bump = "CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
            tx.execute(f"UPDATE meta SET value = {bump} WHERE key = 'changes'")
            if data:
                tx.execute(f"UPDATE meta SET value = {bump} WHERE key = 'data_version'")

    def meta(self, key: str) -> str:
        """One meta value ('' if unset)."""
        rows = self.backend.read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else ""

    def data_version(self) -> str:
        """The served-data version: changes with every approved update, import or seed."""
        return self.meta("data_version")

    def audit(self, tx: Tx, actor: str, action: str, target: str, before=None, after=None,
              address: str = "") -> None:  # fmt: skip
        """Append one audit entry (who, when, what, before → after) inside ``tx``."""
        enc = lambda v: "" if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
        tx.execute(
            "INSERT INTO audit (at, actor, action, target, before, after, address) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now(), actor, action, target, enc(before), enc(after), address),
        )

    # --- seed and dump ----------------------------------------------------------------------
    def ensure(self) -> bool:
        """Create the tables and seed them from the data directory if empty; True if seeded.

        An embedded store file that was copied with its data directory and holds nothing but
        its seed is read in again from the new directory (it is a copy of seed files, no record).
        """
        self.backend.create_schema()
        with self.backend.transaction() as tx:
            if not tx.query("SELECT value FROM meta WHERE key = 'seed'"):
                for key in ("changes", "data_version"):
                    tx.execute("INSERT INTO meta (key, value) VALUES (?, '0')", (key,))
                self._seed(tx, SYSTEM)
                return True
        here = str(self.data_dir.resolve())
        if self.backend.name == "sqlite" and self.meta("seed_dir") != here and self.pristine():
            with self.write(data=True) as tx:
                self._reseed(tx)
            return True
        return False

    def pristine(self) -> bool:
        """True while the store holds nothing but its seed (no update, import, feature edit or
        layer added/removed)."""
        rows = self.backend.read(
            "SELECT (SELECT COUNT(*) FROM updates) + (SELECT COUNT(*) FROM feature_versions) "
            "+ (SELECT COUNT(*) FROM audit WHERE action LIKE 'feature.%' OR action LIKE 'layer.%' "
            "OR action = 'import.applied')"
        )
        return rows[0][0] == 0

    def reseed_if_changed(self, layers_dir: Path) -> bool:
        """Fill the store again from changed seed files, if it holds nothing but the seed.

        Seed files that do not validate are not read in (the store keeps what it has).
        """
        from geoapp.catalog import validate

        if self.meta("seed") == seed_hash(self.data_dir) or not self.pristine():
            return False
        _, problems = validate(self.data_dir, Path(layers_dir))
        if problems:
            raise DataError(problems)
        with self.write(data=True) as tx:
            self._reseed(tx)
        return True

    def _reseed(self, tx: Tx) -> None:
        """Replace the seed tables' rows with the data directory's (in ``tx``), if still pristine."""
        if tx.query("SELECT COUNT(*) FROM updates")[0][0]:
            return
        for table in ("files", "features", *TABLES):
            tx.execute(f"DELETE FROM {table}")
        self._seed(tx, SYSTEM)

    def _seed(self, tx: Tx, actor: str) -> None:
        """Read every seed file into ``tx``."""
        stamp = now()
        for path in seed_files(self.data_dir):
            text = path.read_bytes().decode("utf-8", errors="surrogateescape")
            if path.suffix == ".geojson":
                self._seed_layer(tx, path.stem, text, stamp, actor)
            else:
                self._seed_table(tx, path.name, text)
        tx.execute("DELETE FROM meta WHERE key IN ('seed', 'seed_dir')")
        tx.execute("INSERT INTO meta (key, value) VALUES ('seed', ?)", (seed_hash(self.data_dir),))
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seed_dir', ?)", (str(self.data_dir.resolve()),)
        )
        self.audit(tx, actor, "store.seed", str(self.data_dir))

    def _put_file(self, tx: Tx, name: str, parts: sf.FileParts) -> None:
        tx.execute(
            "INSERT INTO files (name, prefix, separator, suffix, opaque) VALUES (?, ?, ?, ?, ?)",
            (name, parts.prefix, parts.separator, parts.suffix, int(parts.opaque)),
        )

    def _seed_layer(self, tx: Tx, layer: str, text: str, stamp: str, actor: str) -> None:
        parts = sf.split_geojson(text)
        self._put_file(tx, f"geojson/{layer}.geojson", parts)
        rows = []
        for i, (item, feature) in enumerate(zip(parts.items, parts.decoded, strict=True)):
            props = feature.get("properties") or {}
            fid = props.get("id") if isinstance(props, dict) else None
            geometry = sf.geometry_text(feature)
            rows.append((layer, i, str(fid or f"#{i + 1}"), item, geometry, stamp, actor))
        tx.many(
            "INSERT INTO features (layer, position, fid, doc, geometry, version, updated_at, "
            "updated_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
            rows,
        )
        self.backend.index_geometry(tx, layer)

    def _seed_table(self, tx: Tx, name: str, text: str) -> None:
        table = next(t for t, (f, _) in TABLES.items() if f == name)
        parts, rows = sf.split_csv(text, COLUMNS[name], OPTIONAL_COLUMNS.get(name, []))
        self._put_file(tx, name, parts)
        keep = TABLES[table][1]
        cols = ", ".join(f'"{c}"' for c in keep)
        marks = ", ".join("?" for _ in keep)
        tx.many(
            f"INSERT INTO {table} (seq, raw, {cols}) VALUES (?, ?, {marks})",
            [(i, raw, *[v.get(c, "") for c in keep]) for i, (v, raw) in enumerate(zip(rows, parts.items, strict=True))],
        )  # fmt: skip

    def _items(self, name: str, parts: sf.FileParts) -> list[str]:
        if name.startswith("geojson/"):
            layer = name[len("geojson/") : -len(".geojson")]
            rows = self.backend.read(
                "SELECT doc FROM features WHERE layer = ? ORDER BY position", (layer,)
            )
            return [r[0] for r in rows]
        table = next(t for t, (f, _) in TABLES.items() if f == name)
        records = self.table(table)
        if table == "projects":
            history = self.table("status_history")
            for row in records:
                mine = [h for h in history if h["project_id"] == row["project_id"]]
                row.update(zip(DERIVED, derive_status(mine), strict=True))
        header = sf.csv_header(parts)
        return [sf.record_text([r[c] for c in header], r["raw"]) for r in records]

    def table(self, table: str) -> list[dict[str, str]]:
        """A registry table's rows in file order, as dicts (with ``raw``)."""
        cols = ["raw", *TABLES[table][1]] + (["update_id"] if table == "status_history" else [])
        names = ", ".join(f'"{c}"' for c in cols)
        rows = self.backend.read(f"SELECT {names} FROM {table} ORDER BY seq")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def _files(self, name: str | None = None) -> list[tuple[str, sf.FileParts]]:
        """(name, the text around its rows) of every seed file, or of the one named."""
        sql = "SELECT name, prefix, separator, suffix, opaque FROM files"
        rows = self.backend.read(
            sql + (" WHERE name = ?" if name else "") + " ORDER BY name", (name,) if name else ()
        )
        return [(n, sf.FileParts(pre, sep, suf, [], bool(opq))) for n, pre, sep, suf, opq in rows]

    def dump(self, out_dir: Path, skip: set[str] = frozenset()) -> list[Path]:
        """Write the store back as seed files under ``out_dir`` (but the names in ``skip``);
        the paths written. A layer's features are streamed, not joined into one text."""
        written = []
        for name, parts in self._files():
            if name in skip:
                continue
            path = Path(out_dir) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                for piece in self._pieces(name, parts):
                    out.write(piece.encode("utf-8", errors="surrogateescape"))
            written.append(path)
        return written

    def write_file(self, name: str, target: Path) -> None:
        """Mirror one seed file (``geojson/parks.geojson``) into ``target`` atomically, streamed
        feature by feature."""
        from geoapp.files import write_atomic

        [(_, parts)] = self._files(name)

        def write(out) -> None:
            for piece in self._pieces(name, parts):
                out.write(piece)

        write_atomic(target, write)

    def _pieces(self, name: str, parts: sf.FileParts) -> Iterator[str]:
        """A file's text in pieces: a layer's features one by one, a table whole."""
        if parts.opaque or not name.startswith("geojson/"):
            if not parts.opaque:
                parts.items = self._items(name, parts)
            yield sf.join(parts)
            return
        layer = name[len("geojson/") : -len(".geojson")]
        yield parts.prefix
        docs = self.backend.stream(
            "SELECT doc FROM features WHERE layer = ? ORDER BY position", (layer,)
        )
        for i, (doc,) in enumerate(docs):
            yield parts.separator + doc if i else doc
        yield parts.suffix


def open_store(config: Mapping[str, Any], ensure: bool = True) -> Store:
    """The store the config names: ``DATABASE_URL`` (PostgreSQL) or the data dir's file."""
    data_dir = Path(config["DATA_DIR"])
    url = config.get("DATABASE_URL") or ""
    if url.startswith(("postgresql://", "postgres://")):
        store = Store(PostgresBackend(url), data_dir)
    elif url.startswith("sqlite:///"):
        store = Store(SQLiteBackend(Path(url[len("sqlite:///") :])), data_dir)
    elif url:
        raise ValueError(f"DATABASE_URL must start with postgresql:// or sqlite:///, not {url!r}")
    else:
        store = Store(SQLiteBackend(data_dir / STORE_FILE), data_dir)
    if ensure:
        store.ensure()
    return store
