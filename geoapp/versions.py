"""Feature versions: which version of each feature a file was exported with, and what changed since.

The store keeps, with every feature, the stamp of its last change — ``(version, updated_at,
updated_by)``, the version counting up from 1 (the seed) — and every replaced or removed
version (:mod:`geoapp.store.layers`). Every download writes each feature's version into its
``version`` field and the time of the layer's last change into ``as_of``. An import may not
overwrite a feature changed after the version the file carries, remove a feature changed after
the file's ``as_of``, or bring back a feature removed after it (:func:`conflicts`), unless
forced (or, on the web, chosen per feature).

Examples
--------
>>> stamps = LayerStamps({"park-a": Stamp(2, "2024-05-01T08:00:00Z", "王工")}, {})
>>> str(stamps.current["park-a"])
'version 2 (2024-05-01T08:00:00Z, by 王工)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The export field holding the version of the feature the file was exported with.
VERSION_FIELD = "version"
#: The export field holding the time of the layer's last change the file shows (UTC, ISO 8601).
AS_OF_FIELD = "as_of"
#: Every feature's version when the store was seeded (a file without versions counts as this).
SEED_VERSION = 1
#: Who the seed's stamps name.
SEED_ACTOR = "system"


@dataclass(frozen=True)
class Stamp:
    """A feature's version, when it was made (UTC, ISO 8601) and by whom."""

    version: int
    updated_at: str
    updated_by: str

    @property
    def seed(self) -> bool:
        """True for a feature as the store was seeded (no file can be older)."""
        return self.version <= SEED_VERSION and self.updated_by == SEED_ACTOR

    def __str__(self) -> str:
        return f"version {self.version} ({self.updated_at}, by {self.updated_by})"


@dataclass
class LayerStamps:
    """A layer's stamps in the store: current features, and removed ones (the removal's)."""

    current: dict[str, Stamp] = field(default_factory=dict)
    removed: dict[str, Stamp] = field(default_factory=dict)

    def versions(self) -> dict[str, int]:
        """feature id → current version (what an import expects to find when it is applied)."""
        return {fid: s.version for fid, s in self.current.items()}


@dataclass
class FileVersions:
    """What a file says it was exported from: each feature's version (None where a row gives
    none, e.g. a feature added in QGIS) and the layer's last change it shows (``as_of``)."""

    features: dict[str, int | None] = field(default_factory=dict)
    as_of: str | None = None


@dataclass(frozen=True)
class Conflict:
    """A change made after the file's export that the import would undo."""

    id: str
    action: str
    stamp: Stamp
    base: int | None
    kind: str = "changed"
    seen: str | None = None

    def __str__(self) -> str:
        s = self.stamp
        if self.kind == "removed":
            when = f"removed ({s.updated_at}, by {s.updated_by})"
        else:
            when = f"changed in {s}"
        if self.base is not None:
            after = f"after version {self.base} this file was exported with"
        elif self.seen:
            after = f"after {self.seen}, the last change this file shows"
        else:
            after = "and this file shows no version of it"
        return f"feature '{self.id}': {when}, {after}; the import would {self.action}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for pages and the audit trail."""
        s = self.stamp
        return {"id": self.id, "kind": self.kind, "action": self.action, "base": self.base,
                "version": s.version, "at": s.updated_at, "by": s.updated_by}  # fmt: skip


def known_until(file: FileVersions, stamps: LayerStamps) -> str | None:
    """The last change the file shows: its ``as_of``; for a file without one, the latest time
    among its features whose version is still current (None when none is)."""
    if file.as_of:
        return file.as_of
    times = [
        s.updated_at
        for fid, v in file.features.items()
        if (s := stamps.current.get(fid)) is not None and v == s.version
    ]
    return max(times) if times else None


def conflicts(diff, file: FileVersions, stamps: LayerStamps) -> list[Conflict]:
    """What the import would undo, by feature: overwrite, remove or bring back a later change.

    A row without a version counts as the seed's; a file without ``as_of`` is taken to show
    no change later than its newest still-current feature (so it may not remove one changed
    after that).
    """
    out = []
    for change in diff.changed:
        s, base = stamps.current.get(change.id), file.features.get(change.id) or SEED_VERSION
        if s is not None and not s.seed and s.version > base:
            out.append(Conflict(change.id, f"overwrite it ({change.describe()})", s, base))
    seen = known_until(file, stamps)
    for fid in diff.removed:
        s = stamps.current.get(fid)
        if s is not None and not s.seed and (seen is None or s.updated_at > seen):
            out.append(Conflict(fid, "remove it", s, None, seen=seen))
    for fid in diff.added:
        s = stamps.removed.get(fid)
        if s is not None and (seen is None or s.updated_at > seen):
            base = file.features.get(fid)
            out.append(Conflict(fid, "bring the feature back", s, base, "removed", seen))
    return out


def catalog_versions(catalog, layer_id: str, ids: list[str]) -> list[int]:
    """Each feature's version as the store held it when the catalog was loaded (the seed's
    version for a catalog read from files)."""
    known = catalog.extra.get("feature_versions", {}).get(layer_id, {})
    return [int(known.get(fid, SEED_VERSION)) for fid in ids]


def catalog_as_of(catalog, layer_id: str) -> str | None:
    """The time of the layer's last change as the store held it when the catalog was loaded
    (None for a catalog read from files)."""
    return catalog.extra.get("layer_as_of", {}).get(layer_id)
