"""Write data/projects.csv and data/status_history.csv from the readings below (one-off tool).

Each history row names the seed, the verbatim quote and the wording (``verb``) its stage is read
from; the stage and kind come from the one verb table (:mod:`geoapp.verbs`), never typed here, and
the status columns of projects.csv are derived with :func:`geoapp.registry.derive_status`.
Run it after editing a reading; ``geoapp validate`` then checks every quote against its seed.

Usage::

    python scripts/registry_rows.py [--data data]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    from geoapp.registry import COLUMNS, OPTIONAL_COLUMNS, derive_status
    from geoapp.verbs import VERB
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))
    from geoapp.registry import COLUMNS, OPTIONAL_COLUMNS, derive_status
    from geoapp.verbs import VERB

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_readings import PROJECTS, READINGS, SEEDS  # noqa: E402


def history_rows() -> list[dict[str, str]]:
    """One row per reading: stage and kind from the verb table, date and target year from the seed."""
    rows = []
    for pid, seed, quote, verb, note in READINGS:
        file, date, year = SEEDS[seed]
        reading = VERB[verb]
        rows.append(
            {
                "project_id": pid,
                "date": date,
                "status": reading.status,
                "kind": reading.kind,
                "target_year": year if reading.kind == "target" else "",
                "source": file,
                "quote": quote,
                "note": note,
                "verb": verb,
            }
        )
    return rows


def recorded_updates(path: Path) -> list[dict[str, str]]:
    """Planners' recorded updates in the current file: kept as they are."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["kind"] == "update"]


def project_rows(projects, history: list[dict[str, str]]) -> list[dict[str, str]]:
    """projects.csv rows with the status columns derived from the history."""
    out = []
    for p in projects:
        mine = [h for h in history if h["project_id"] == p["project_id"]]
        status, date, target, year = derive_status(mine)
        row = {c: "" for c in COLUMNS["projects.csv"] + OPTIONAL_COLUMNS["projects.csv"]}
        row.update(p)
        row.update(status=status, status_date=date, target_status=target, target_year=year)
        out.append(row)
    return out


def write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    """Write a registry CSV (UTF-8, LF)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Write both files into DATA."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--layers", type=Path, default=ROOT / "layers")
    args = parser.parse_args(argv)
    defined = {p.stem for p in args.layers.glob("*.toml")}
    projects = [p for p in PROJECTS if p["layer"] in defined]
    if len(projects) < len(PROJECTS):
        skipped = sorted({p["layer"] for p in PROJECTS} - defined)
        print(f"skipped the projects of layers without a definition: {', '.join(skipped)}")
    known = {p["project_id"] for p in projects}
    history = [h for h in history_rows() if h["project_id"] in known]
    history += recorded_updates(args.data / "status_history.csv")
    stray = sorted({h["project_id"] for h in history} - known)
    if stray:
        print(f"error: readings for unknown projects: {', '.join(stray)}", file=sys.stderr)
        return 1
    name = "status_history.csv"
    write(args.data / name, history, COLUMNS[name] + OPTIONAL_COLUMNS[name])
    name = "projects.csv"
    write(args.data / name, project_rows(projects, history), COLUMNS[name] + OPTIONAL_COLUMNS[name])
    print(f"{len(projects)} projects, {len(history)} history rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
