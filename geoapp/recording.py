"""Recording a planner's status update: validated on a copy, then written atomically.

An update is a row of kind ``update`` in ``status_history.csv`` with its date, status, source
(a document number, a site visit, a meeting) and an optional note; ``projects.csv``'s derived
status columns are recomputed from the history. Nothing is written unless the whole dataset
still validates, and a crash mid-write leaves the old files whole (``os.replace``).

Examples
--------
>>> record_update(Path("data"), Path("layers"), StatusUpdate(  # doctest: +SKIP
...     "uv-dongku", "2026-11-20", "topped_out", "永康市住建局 2026年11月进度通报", "主体结顶"))
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from geoapp.catalog import validate
from geoapp.files import write_atomic
from geoapp.problems import DataError, Problem
from geoapp.registry import COLUMNS, OPTIONAL_COLUMNS, derive_status
from geoapp.status import STATUS

MAX_TEXT = 500


@dataclass(frozen=True)
class StatusUpdate:
    """One planner's update of one project."""

    project_id: str
    date: str
    status: str
    source: str
    note: str = ""


def _check(update: StatusUpdate, today: dt.date) -> list[Problem]:
    problems = []
    where = ("update", update.project_id)

    def bad(message: str) -> None:
        problems.append(Problem(*where, message, "project"))

    try:
        day = dt.date.fromisoformat(update.date)
        if day > today:
            bad(f"date {update.date} is in the future")
    except ValueError:
        bad(f"date {update.date!r} is not a day (YYYY-MM-DD)")
    if update.status not in STATUS:
        bad(f"status {update.status!r} is not one of: {', '.join(STATUS)}")
    if not update.source.strip():
        bad("an update needs a source (document, meeting or site visit)")
    for name in ("source", "note"):
        text = getattr(update, name)
        if len(text) > MAX_TEXT or any(ord(ch) < 32 and ch not in "\t" for ch in text):
            bad(f"{name} must be one line of at most {MAX_TEXT} characters")
    return problems


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    """Write a CSV atomically, keeping the file's permissions."""

    def rows_to(fh) -> None:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)

    write_atomic(path, rows_to)


def _apply(data_dir: Path, update: StatusUpdate) -> None:
    history = _read(data_dir / "status_history.csv")
    history.append(
        {"project_id": update.project_id, "date": update.date, "status": update.status, "kind": "update",
         "target_year": "", "source": update.source.strip(), "quote": "", "note": update.note.strip()}
    )  # fmt: skip
    projects = _read(data_dir / "projects.csv")
    mine = [h for h in history if h["project_id"] == update.project_id]
    for row in projects:
        if row["project_id"] == update.project_id:
            row["status"], row["status_date"], row["target_status"], row["target_year"] = (
                derive_status(mine)
            )
    for name, rows in (("status_history.csv", history), ("projects.csv", projects)):
        # keep the optional columns the file has (verb, name_added …), add none it lacks
        kept = [c for c in OPTIONAL_COLUMNS[name] if c in rows[0]]
        _write(data_dir / name, rows, COLUMNS[name] + kept)


def record_update(
    data_dir: Path, layers_dir: Path, update: StatusUpdate, today: dt.date | None = None
) -> None:
    """Validate the update against a copy of the data, then write it; ``DataError`` otherwise."""
    problems = _check(update, today or dt.date.today())
    if problems:
        raise DataError(problems)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("history"))
        if update.project_id not in {r["project_id"] for r in _read(copy / "projects.csv")}:
            raise DataError([Problem("update", update.project_id, "unknown project", "project")])
        _apply(copy, update)
        _, problems = validate(copy, layers_dir)
        if problems:
            raise DataError(problems)
    _apply(Path(data_dir), update)
