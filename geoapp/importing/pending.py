"""Uploads waiting to be applied (the web import): kept on the server, never in the cookie.

Each upload is a directory ``<root>/<id>/`` holding the file under its (cleaned) name and
``pending.json`` (who uploaded it, the layer, the source CRS, when). The id is random
(``secrets.token_urlsafe``); :meth:`PendingUploads.get` answers only the user who uploaded it,
so an id seen by someone else is of no use. Uploads older than a day are removed whenever a
new one is saved.

Examples
--------
>>> import tempfile
>>> box = PendingUploads(Path(tempfile.mkdtemp()))
>>> item = box.save("gis-li", "东库 edit.gpkg", b"...", "urban_villages", "")
>>> item.path.name
'东库_edit.gpkg'
>>> box.get(item.id, "gis-li").layer
'urban_villages'
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from geoapp.errors import NotFound

#: How long an upload waits for its Apply (seconds).
KEEP_SECONDS = 24 * 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class PendingUpload:
    """One waiting upload: its id, owner, file, the layer and source CRS chosen, its state."""

    id: str
    user: str
    filename: str
    layer: str
    src_crs: str
    created: float
    directory: Path
    applied: dict | None = None
    #: what else the form chose (a new layer's titles, accuracy, …)
    options: dict | None = None

    @property
    def path(self) -> Path:
        """The uploaded file."""
        return self.directory / self.filename


def clean_name(name: str) -> str:
    """A file name safe to keep: the last path part, letters (any script), digits, ``.-_``."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = re.sub(r"[^\w.\-]", "_", base).lstrip(".")[-100:]
    return base if base and base != "pending.json" else f"upload-{base}"


class PendingUploads:
    """The waiting uploads under one directory (default: the system's temporary directory)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else Path(tempfile.gettempdir()) / "geoapp-imports"

    def save(
        self, user: str, filename: str, data: bytes, layer: str, src_crs: str,
        options: dict | None = None,
    ) -> PendingUpload:  # fmt: skip
        """Keep an upload; the new :class:`PendingUpload`."""
        self.expire()
        upload_id = secrets.token_urlsafe(24)
        directory = self.root / upload_id
        directory.mkdir(parents=True, mode=0o700)
        item = PendingUpload(upload_id, user, clean_name(filename), layer, src_crs,
                             time.time(), directory, options=options)  # fmt: skip
        item.path.write_bytes(data)
        self._write(item)
        return item

    def get(self, upload_id: str, user: str) -> PendingUpload:
        """The upload ``upload_id`` of ``user``; NotFound for any other (or a malformed id)."""
        meta = self.root / upload_id / "pending.json" if _ID.match(upload_id or "") else None
        if meta is None or not meta.is_file():
            raise NotFound(f"no upload '{upload_id}' waiting (it was applied, discarded or "
                           "has expired): upload the file again", "upload")  # fmt: skip
        record = json.loads(meta.read_text("utf-8"))
        if record["user"] != user:
            raise NotFound(f"no upload '{upload_id}' waiting for you", "upload")
        return PendingUpload(**{**record, "directory": meta.parent})

    def update(self, item: PendingUpload, **changes) -> PendingUpload:
        """Change the layer, CRS or state of an upload; the updated one."""
        for key, value in changes.items():
            setattr(item, key, value)
        self._write(item)
        return item

    def discard(self, item: PendingUpload) -> None:
        """Remove an upload and its file."""
        shutil.rmtree(item.directory, ignore_errors=True)

    def expire(self, now: float | None = None) -> None:
        """Remove uploads older than :data:`KEEP_SECONDS`."""
        if not self.root.is_dir():
            return
        limit = (now or time.time()) - KEEP_SECONDS
        for meta in self.root.glob("*/pending.json"):
            try:
                if json.loads(meta.read_text("utf-8"))["created"] < limit:
                    shutil.rmtree(meta.parent, ignore_errors=True)
            except (OSError, ValueError, KeyError):
                continue

    def _write(self, item: PendingUpload) -> None:
        record = {k: v for k, v in asdict(item).items() if k != "directory"}
        text = json.dumps(record, ensure_ascii=False)
        (item.directory / "pending.json").write_text(text, "utf-8")
