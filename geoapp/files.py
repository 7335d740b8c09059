"""Writing the data files safely: one atomic write, one staging copy.

- :func:`write_atomic`: a temporary file beside the target, flushed to disk, given the
  permissions of the file it replaces, then ``os.replace``: a reader or a crash sees the old file
  or the new one, never half of one — and a server running as another user can still read it (a
  bare :func:`tempfile.mkstemp` file is mode 0600).
- :func:`atomic_output`: the same for writers that need a path (GDAL drivers want their own
  extension): they write inside a temporary directory beside the target.
- :func:`staged_data`: a throw-away data directory of links to the real files, with some of them
  replaced, so a change can be validated as a whole before anything real is touched.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> write_atomic(d / "a.txt", "一")
>>> (d / "a.txt").read_text("utf-8")
'一'
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def _mode_for(target: Path) -> int:
    """The permission bits a replacement of ``target`` gets: its own, or the umask's default."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(target: Path, content: str | bytes | Callable[[IO[str]], None]) -> None:
    """Replace ``target`` with ``content`` in one step, keeping ``target``'s permissions.

    ``content`` is text (written as UTF-8), bytes, or a function that writes text to the open
    file (e.g. a ``csv.writer``).
    """
    target = Path(target)
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if callable(content):
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as text:
                content(text)
                text.flush()
                os.fsync(text.fileno())
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_output(target: Path, suffix: str = "") -> Iterator[Path]:
    """A path to write (ending in ``suffix``); on success it replaces ``target`` in one step."""
    target = Path(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        written = tmp / f"output{suffix}"
        yield written
        os.replace(written, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def staged_data(data_dir: Path, changes: Mapping[str, str] | None = None) -> Iterator[Path]:
    """A temporary copy of ``data_dir`` made of links, with ``changes`` (relative path → text)
    written in; files written into it later replace their links, never the real files.
    """
    changes = dict(changes or {})
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "data"
        _link_tree(Path(data_dir).resolve(), staged, skip={"history"})
        for rel, text in changes.items():
            path = staged / rel
            path.unlink(missing_ok=True)
            path.write_text(text, "utf-8")
        yield staged


def _link_tree(source: Path, dest: Path, skip: set[str]) -> None:
    """Mirror ``source`` in ``dest``: directories made, files linked (``skip`` names left out)."""
    dest.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name in skip:
            continue
        if entry.is_dir():
            _link_tree(entry, dest / entry.name, skip)
        else:
            (dest / entry.name).symlink_to(entry)
