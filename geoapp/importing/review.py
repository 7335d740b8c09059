"""What the web import page shows of a prepared import: one row per feature, and a fingerprint.

:func:`review_rows` turns an :class:`~geoapp.importing.engine.ImportResult` into plain rows —
added / changed / removed, metres moved, fields changed (old → new), accuracy before and after,
the warnings and problems that name the feature, its conflict — so the template only lays them
out. :func:`fingerprint` identifies what was shown, so Apply can refuse when the layer (or the
file) changed after the page was drawn.

Examples
--------
>>> rows = review_rows(result)  # doctest: +SKIP
>>> rows[0]["id"], rows[0]["kind"], rows[0]["moved_m"]  # doctest: +SKIP
('uv-b', 'changed', 40.0)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

KINDS = ("changed", "added", "removed")


def _name(row: dict | None) -> str:
    return str((row or {}).get("name") or "")


def _notes_for(result) -> dict[str, list[str]]:
    """Feature id → the warnings and problems that name it."""
    out: dict[str, list[str]] = {}
    for c in result.diff.changed if result.diff else []:
        if c.still_schematic:
            out.setdefault(c.id, []).append(
                f"moved {c.moved_m:.1f} m but its accuracy is still 'schematic': set accuracy "
                "and geometry_source to say where the shape comes from"
            )
    for p in result.problems:
        if _about_a_feature(result, p):
            out.setdefault(str(p.feature), []).append(p.message)
    return out


def _about_a_feature(result, problem) -> bool:
    return bool(problem.feature) and problem.file == result.source.name


def review_rows(result) -> list[dict[str, Any]]:
    """One row per feature the import changes, adds or removes (conflicts first)."""
    diff = result.diff
    if diff is None:
        return []
    notes, conflicts = _notes_for(result), {c.id: c for c in result.conflicts}
    before, after = result.before or {}, result.after or {}
    rows = []
    for c in diff.changed:
        rows.append({"id": c.id, "kind": "changed", "name": _name(after.get(c.id)),
                     "moved_m": round(c.moved_m, 1) if c.geometry else None,
                     "fields": [(k, old, new) for k, (old, new) in c.fields.items()],
                     "accuracy": c.accuracy})  # fmt: skip
    for fid in diff.added:
        row = after.get(fid)
        rows.append({"id": fid, "kind": "added", "name": _name(row), "moved_m": None,
                     "fields": [], "accuracy": (None, (row or {}).get("accuracy"))})  # fmt: skip
    for fid in diff.removed:
        row = before.get(fid)
        rows.append({"id": fid, "kind": "removed", "name": _name(row), "moved_m": None,
                     "fields": [], "accuracy": ((row or {}).get("accuracy"), None)})  # fmt: skip
    for row in rows:
        row["notes"] = notes.get(row["id"], [])
        conflict = conflicts.get(row["id"])
        row["conflict"] = (
            None if conflict is None else {**conflict.as_dict(), "text": str(conflict)}
        )
    return sorted(rows, key=lambda r: (r["conflict"] is None, KINDS.index(r["kind"])))


def general_problems(result, rows: list[dict[str, Any]]) -> list[str]:
    """Problems not shown in a row: the file itself, the whole catalog, unchanged features."""
    shown = {r["id"] for r in rows}
    return [
        str(p) for p in result.problems
        if not (_about_a_feature(result, p) and str(p.feature) in shown)
    ]  # fmt: skip


def fingerprint(result) -> str:
    """A short hash of what the page showed: the layer as prepared against, and the file."""
    h = hashlib.sha256()
    h.update(json.dumps(result.expect, sort_keys=True).encode())
    h.update((result.text or "").encode())
    return h.hexdigest()[:24]
