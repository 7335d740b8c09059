"""What an import may not do: fail with a traceback, or read a file too big to handle.

:class:`ImportFailed` carries a message naming the file (and feature) and what to do.
:class:`ImportLimits` bounds the bytes read (a zip's *uncompressed* size, checked before anything
is extracted), the number of features and of vertices; the defaults come from the
``IMPORT_MAX_BYTES`` / ``IMPORT_MAX_FEATURES`` / ``IMPORT_MAX_VERTICES`` configuration keys.

Examples
--------
>>> limits = ImportLimits(max_bytes=10_000_000)
>>> limits.check_bytes("parks.zip", 5_000)
>>> limits.check_bytes("bomb.zip", 4 * 2**30)
Traceback (most recent call last):
...
geoapp.importing.limits.ImportTooLarge: bomb.zip: 4.0 GiB uncompressed, more than the import limit of 9.5 MiB; split the file or raise IMPORT_MAX_BYTES
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geoapp.errors import BadParameter, Conflict, TooLarge

#: Called with one line of progress text (e.g. printed to stderr by the CLI).
Progress = Callable[[str], None]


class ImportFailed(BadParameter):
    """The file cannot be brought in; the message names the file and says what to do."""


class ImportTooLarge(ImportFailed, TooLarge):
    """The file is over an import limit."""


class ImportConflict(ImportFailed, Conflict):
    """The import would undo changes made after the file's export (or made while preparing)."""


def _size(n: float) -> str:
    """Bytes as a short human size: '4.0 GiB'."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


@dataclass(frozen=True)
class ImportLimits:
    """The largest import accepted: uncompressed bytes, features, vertices."""

    max_bytes: int = 200 * 1024 * 1024
    max_features: int = 50_000
    max_vertices: int = 2_000_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImportLimits:
        """The limits the ``IMPORT_MAX_*`` configuration keys set (defaults for missing keys)."""
        return cls(
            int(config.get("IMPORT_MAX_BYTES", cls.max_bytes)),
            int(config.get("IMPORT_MAX_FEATURES", cls.max_features)),
            int(config.get("IMPORT_MAX_VERTICES", cls.max_vertices)),
        )

    def check_bytes(self, name: str, size: int) -> None:
        """ImportFailed when ``size`` bytes (uncompressed) is over the limit."""
        if size > self.max_bytes:
            raise ImportTooLarge(
                f"{name}: {_size(size)} uncompressed, more than the import limit of "
                f"{_size(self.max_bytes)}; split the file or raise IMPORT_MAX_BYTES"
            )

    def check_features(self, name: str, count: int) -> None:
        """ImportFailed when a file holds more features than the limit."""
        if count > self.max_features:
            raise ImportTooLarge(
                f"{name}: {count} features, more than the import limit of {self.max_features}; "
                "split the layer or raise IMPORT_MAX_FEATURES"
            )

    def check_vertices(self, name: str, count: int) -> None:
        """ImportFailed when the features hold more vertices than the limit."""
        if count > self.max_vertices:
            raise ImportTooLarge(
                f"{name}: {count} vertices, more than the import limit of {self.max_vertices}; "
                "simplify the shapes or raise IMPORT_MAX_VERTICES"
            )
