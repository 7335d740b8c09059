"""Uploaded source documents and site photos, kept in the store as blobs (size-limited).

The type is read from the bytes (a PDF, PNG or JPEG), never from the name or the browser's claim.

Examples
--------
>>> sniff(b"%PDF-1.7 ...")
'application/pdf'
>>> sniff(b"<html>") is None
True
"""

from __future__ import annotations

import hashlib
import re
import secrets

from geoapp.store.core import Store, now

TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
#: default largest upload (bytes); the app's MAX_UPLOAD_BYTES overrides it
MAX_BYTES = 10 * 1024 * 1024


def sniff(data: bytes) -> str | None:
    """The content type the bytes start with (PDF, PNG, JPEG), or None."""
    return next((t for magic, t in TYPES.items() if data.startswith(magic)), None)


def check_upload(
    field: str, filename: str, data: bytes, max_bytes: int, images_only: bool
) -> tuple[str | None, str]:
    """(content type, '') if the upload is acceptable, else (None, what to fix)."""
    kind = sniff(data)
    if not data:
        return None, "the file is empty"
    if len(data) > max_bytes:
        return None, f"the file has {len(data) / 1e6:.1f} MB; at most {max_bytes / 1e6:.1f} MB"
    if kind is None or (images_only and not kind.startswith("image/")):
        wanted = "a PNG or JPEG photo" if images_only else "a PDF, PNG or JPEG file"
        return None, f"{filename or field} is not {wanted}"
    return kind, ""


def clean_name(filename: str) -> str:
    """A file name safe to send back in a header (no path, no quotes or control characters)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r'[\x00-\x1f"<>]', "", name).strip()[:120]
    return name or "upload"


def insert(tx, user: str, filename: str, kind: str, data: bytes) -> str:
    """Store one upload inside ``tx``; its id."""
    attachment_id = f"a-{secrets.token_hex(8)}"
    tx.execute(
        "INSERT INTO attachments (attachment_id, filename, content_type, size, sha256, data, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            attachment_id,
            clean_name(filename),
            kind,
            len(data),
            hashlib.sha256(data).hexdigest(),
            data,
            user,
            now(),
        ),
    )
    return attachment_id


def get(store: Store, attachment_id: str) -> dict | None:
    """An attachment (with its bytes), or None."""
    rows = store.backend.read(
        "SELECT attachment_id, filename, content_type, size, sha256, data FROM attachments WHERE attachment_id = ?",
        (attachment_id,),
    )
    if not rows:
        return None
    keys = ("attachment_id", "filename", "content_type", "size", "sha256", "data")
    out = dict(zip(keys, rows[0], strict=True))
    out["data"] = bytes(out["data"])
    return out
