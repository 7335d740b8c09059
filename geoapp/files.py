"""Writing data files safely: atomically, and keeping the permissions of the file replaced.

A temporary file from :func:`tempfile.mkstemp` is mode 0600; renamed over a layer file as it is,
a server running as another user could no longer read the data. :func:`write_atomic` gives the
new file the old one's mode (or the umask's default for a new file) before the rename.

Examples
--------
>>> write_atomic(Path("data/geojson/parks.geojson"), text)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def _default_mode() -> int:
    """The mode a new file gets under the current umask (0666 & ~umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(target: Path, content: str | Callable[[IO[str]], None]) -> None:
    """Write ``content`` (text, or a function writing to the open file) to ``target`` atomically.

    The new file keeps ``target``'s permission bits; it is fsynced, then renamed over ``target``.
    """
    target = Path(target)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
