"""Feature versions: which layer version a file was exported at, and what changed since.

Every layer has a version (0 for the seed data) that each applied import raises by one; every
feature carries the stamp of the version that last changed it — ``(version, updated_at,
updated_by)`` — and a removed feature keeps its stamp, so an old file cannot quietly bring it
back. Exports write the layer version into each row's ``version`` field; an import from an older
version may not overwrite a feature changed since (:func:`conflicts`), unless forced.

:class:`VersionBook` is the small interface the import and the exports use. Until the store
(``geoapp.store``) keeps versions with the features, :class:`FileVersionBook` keeps them next to
the data, in ``versions/<layer>.json``.

Examples
--------
>>> book = FileVersionBook(Path("data"))  # doctest: +SKIP
>>> book.layer_version("parks")  # doctest: +SKIP
0
>>> book.record("parks", changed=["park-a"], removed=[], by="李工")  # doctest: +SKIP
1
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from geoapp.files import write_atomic

#: The export field holding the layer version the file was exported at.
VERSION_FIELD = "version"


@dataclass(frozen=True)
class Stamp:
    """The version that last changed a feature, when (UTC, ISO 8601) and by whom."""

    version: int
    updated_at: str
    updated_by: str


class VersionBook(Protocol):
    """Where feature versions live (a file beside the data now; the store later)."""

    def layer_version(self, layer: str) -> int:
        """The layer's current version (0 before any change)."""

    def stamps(self, layer: str) -> dict[str, Stamp]:
        """Feature id → the stamp of its last change (only features changed since the seed)."""

    def removed(self, layer: str) -> dict[str, Stamp]:
        """Feature id → the stamp of the change that removed it."""

    def record(
        self,
        layer: str,
        changed: list[str],
        removed: list[str],
        by: str,
        at: dt.datetime | None = None,
        note: str = "",
    ) -> int:
        """Raise the layer version, stamp ``changed`` and ``removed``, log ``note``; the version."""


class FileVersionBook:
    """Versions in ``<data>/versions/<layer>.json`` (written atomically, mode kept)."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = Path(data_dir) / "versions"

    def _path(self, layer: str) -> Path:
        return self.directory / f"{layer}.json"

    def _read(self, layer: str) -> dict:
        path = self._path(layer)
        if not path.exists():
            return {"layer": layer, "version": 0, "features": {}, "removed": {}}
        return json.loads(path.read_text("utf-8"))

    def layer_version(self, layer: str) -> int:
        """The layer's current version (0 before any change)."""
        return int(self._read(layer)["version"])

    def stamps(self, layer: str) -> dict[str, Stamp]:
        """Feature id → the stamp of its last change."""
        return {k: Stamp(**v) for k, v in self._read(layer)["features"].items()}

    def log(self, layer: str) -> list[dict]:
        """Every recorded change of the layer, oldest first (the audit trail of imports)."""
        return list(self._read(layer).get("log", []))

    def removed(self, layer: str) -> dict[str, Stamp]:
        """Feature id → the stamp of the change that removed it."""
        return {k: Stamp(**v) for k, v in self._read(layer).get("removed", {}).items()}

    def record(
        self,
        layer: str,
        changed: list[str],
        removed: list[str],
        by: str,
        at: dt.datetime | None = None,
        note: str = "",
    ) -> int:
        """Raise the layer version, stamp the changed and removed features, and log the change
        (who, when, what, ``note``); the new version."""
        book = self._read(layer)
        version = int(book["version"]) + 1
        stamp = asdict(Stamp(version, _iso(at), by))
        for fid in changed:
            book["features"][fid] = stamp
            book.setdefault("removed", {}).pop(fid, None)
        for fid in removed:
            book["features"].pop(fid, None)
            book.setdefault("removed", {})[fid] = stamp
        book["version"] = version
        book.setdefault("log", []).append(
            {**stamp, "changed": changed, "removed": removed, "note": note}
        )
        self.directory.mkdir(exist_ok=True)
        write_atomic(self._path(layer), json.dumps(book, ensure_ascii=False, indent=1) + "\n")
        return version


def _iso(at: dt.datetime | None) -> str:
    return (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_book(data_dir: Path) -> VersionBook:
    """The version book for a data directory."""
    return FileVersionBook(data_dir)


@dataclass(frozen=True)
class Conflict:
    """A feature changed since the file's version that the import would overwrite."""

    id: str
    action: str
    stamp: Stamp
    base: int

    def __str__(self) -> str:
        s = self.stamp
        return (
            f"feature '{self.id}': changed in version {s.version} ({s.updated_at}, by "
            f"{s.updated_by}), after version {self.base} this file was exported at; the import "
            f"would {self.action}"
        )


def conflicts(diff, base: int, book: VersionBook, layer: str) -> list[Conflict]:
    """What an import from version ``base`` would undo: changes made after it, by feature."""
    stamps, gone = book.stamps(layer), book.removed(layer)
    out = []
    for change in diff.changed:
        s = stamps.get(change.id)
        if s and s.version > base:
            out.append(Conflict(change.id, f"overwrite it ({change.describe()})", s, base))
    for fid in diff.removed:
        s = stamps.get(fid)
        if s and s.version > base:
            out.append(Conflict(fid, "remove it", s, base))
    for fid in diff.added:
        s = gone.get(fid)
        if s and s.version > base:
            out.append(Conflict(fid, "bring back the feature removed then", s, base))
    return out
