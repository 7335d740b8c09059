"""The project registry: projects, their status history, programme indicators and the sources.

Files (all UTF-8 CSV in the data directory):

- ``sources.csv``: one row per seed article (file, title, publication, date, precision, sha256);
- ``projects.csv``: one row per project the plans name, linked to feature ids (``;``-separated);
- ``status_history.csv``: dated entries of kind ``target`` (a plan's aim for a year), ``report``
  (a source says it happened) or ``update`` (a planner recorded it), each citing its source;
- ``indicators.csv``: programme targets ("建成小微企业园5个以上") with their source.

Dates are ISO 8601 at the precision the source gives: ``2020``, ``2021-03`` or ``2022-03-31``;
they sort correctly as text.

Every entry cited from a seed names the wording it reads (``verb``), checked against the one
verb table in :mod:`geoapp.verbs`. A ``mention`` entry names the project without a stage
(实施, 打造, 推进 …): it dates the first mention but sets no target.

The current status of a project is derived, never guessed:

- the latest ``report`` or ``update`` entry, if there is one;
- otherwise 谋划 (planned): the project is named in a plan, as of its first mention.

A target is never a completion: it only sets ``target_status`` and ``target_year``. The target
is the latest source's; when one source sets several (the 2021 work report for 2021 and the
five-year plan, of the same year, for 2025), the nearest year is the target.

A name is written as the seed writes it. Where the registry composes one (the stem of a list,
周塘、应家…区块), ``name_added`` says which words it added; the rest occurs in a cited quote.

Examples
--------
>>> rows = [{"date": "2020", "status": "accepted", "kind": "target", "target_year": "2020"}]
>>> derive_status(rows)
('planned', '2020', 'accepted', '2020')
>>> rows.append({"date": "2021-05-01", "status": "completed", "kind": "update", "target_year": ""})
>>> derive_status(rows)
('completed', '2021-05-01', 'accepted', '2020')
>>> derive_status([{"date": "2021", "status": "completed", "kind": "target", "target_year": "2025"},
...                {"date": "2021", "status": "completed", "kind": "target", "target_year": "2021"},
...                {"date": "2022", "status": "planned", "kind": "mention", "target_year": ""}])
('planned', '2021', 'completed', '2021')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoapp.layers import ID_PATTERN
from geoapp.problems import Problem
from geoapp.status import HISTORY_KINDS, STATUS
from geoapp.verbs import check_reading

DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PRECISION_LENGTH = {"year": 4, "month": 7, "day": 10}

COLUMNS = {
    "sources.csv": ["file", "title", "publication", "date", "date_precision", "date_basis", "sha256"],
    "projects.csv": [
        "project_id", "name", "name_en", "layer", "feature_ids", "category",
        "status", "status_date", "target_status", "target_year", "note",
    ],
    "status_history.csv": [
        "project_id", "date", "status", "kind", "target_year", "source", "quote", "note",
    ],
    "indicators.csv": [
        "indicator_id", "name", "name_en", "layer", "match_field", "match_values",
        "target_value", "unit", "target_year", "source", "quote",
    ],
}  # fmt: skip
#: Columns added by issue 12; files without them (older data, small fixtures) read them as ''.
OPTIONAL_COLUMNS = {
    "projects.csv": ["name_added", "unplaced_reason", "unplaced_reason_en"],
    "status_history.csv": ["verb"],
    "indicators.csv": ["comparison", "counts_status", "project_ids"],
}
COMPARISONS = {"≥": "at least", "≤": "at most", "=": "exactly"}


@dataclass
class Registry:
    """The registry tables, as read (all values are strings, '' for empty)."""

    sources: pd.DataFrame
    projects: pd.DataFrame
    history: pd.DataFrame
    indicators: pd.DataFrame


def normalise_text(text: str) -> str:
    """Drop all white space, so a quote matches across the seed's line and column breaks."""
    return re.sub(r"\s+", "", text)


def derive_status(entries: Iterable[Mapping[str, str]]) -> tuple[str, str, str, str]:
    """(status, status_date, target_status, target_year) from a project's history entries."""
    rows = sorted(entries, key=lambda r: r["date"])
    done = [r for r in rows if r["kind"] in ("report", "update")]
    targets = [r for r in rows if r["kind"] == "target"]
    if done:
        status, date = done[-1]["status"], done[-1]["date"]
    elif rows:
        status, date = "planned", rows[0]["date"]
    else:
        status, date = "", ""
    if targets:
        latest = max(r["date"] for r in targets)
        last = min(
            (r for r in targets if r["date"] == latest), key=lambda r: r["target_year"] or "9999"
        )
        return status, date, last["status"], last["target_year"]
    return status, date, "", ""


def status_as_of(entries: Iterable[Mapping[str, str]], date: str) -> str | None:
    """The status as the sources stood on ``date``; None if the project was not yet named."""
    known = [r for r in entries if r["date"] <= date or r["date"].startswith(date)]
    if not known:
        return None
    return derive_status(known)[0]


def read_table(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one registry CSV as strings and check its columns."""
    name = path.name
    if not path.exists():
        return None, [Problem(name, None, "file not found")]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        return None, [Problem(name, None, f"unreadable CSV: {exc}")]
    missing = [c for c in COLUMNS[name] if c not in df.columns]
    if missing:
        return None, [Problem(name, None, f"missing columns: {', '.join(missing)}")]
    given = list(df.columns)
    for col in OPTIONAL_COLUMNS.get(name, []):
        if col not in df.columns:
            df[col] = ""
    df = df.astype(object)
    df.attrs["file_columns"] = given
    return df, []


def read_registry(data_dir: Path) -> tuple[Registry | None, list[Problem]]:
    """Read the four registry tables; None if any cannot be read."""
    tables, problems = {}, []
    for name in COLUMNS:
        df, found = read_table(data_dir / name)
        tables[name] = df
        problems += found
    if problems:
        return None, problems
    return (
        Registry(
            tables["sources.csv"],
            tables["projects.csv"],
            tables["status_history.csv"],
            tables["indicators.csv"],
        ),
        [],
    )


def check_sources(sources: pd.DataFrame, seeds_dir: Path) -> tuple[dict[str, str], list[Problem]]:
    """Check each source file exists with its checksum; return file → normalised text."""
    texts, problems = {}, []
    for row in sources.to_dict("records"):
        f = row["file"]
        path = seeds_dir / f
        if not path.exists():
            problems.append(Problem("sources.csv", f, f"source file not found in {seeds_dir}"))
            continue
        data = path.read_bytes()
        if row["sha256"] and hashlib.sha256(data).hexdigest() != row["sha256"]:
            problems.append(
                Problem("sources.csv", f, "sha256 differs: the source file has changed")
            )
        if not DATE_PATTERN.match(row["date"]):
            problems.append(Problem("sources.csv", f, f"date {row['date']!r} is not ISO 8601"))
        elif PRECISION_LENGTH.get(row["date_precision"]) != len(row["date"]):
            problems.append(
                Problem("sources.csv", f, f"date {row['date']!r} does not match precision "
                        f"{row['date_precision']!r} (year, month or day)")
            )  # fmt: skip
        texts[f] = normalise_text(data.decode("utf-8"))
    return texts, problems


def _check_citation(
    table: str, key: str, row: Mapping[str, str], texts: dict[str, str]
) -> list[Problem]:
    src, quote = row["source"], row["quote"]
    if not src:
        return [Problem(table, key, "has no source")]
    if src not in texts:
        return [Problem(table, key, f"source '{src}' is not a known source file (sources.csv)")]
    if not quote:
        return [Problem(table, key, f"has no quote from '{src}'")]
    if normalise_text(quote) not in texts[src]:
        return [Problem(table, key, f"quote not found in its source '{src}': {quote[:40]}…")]
    return []


def _check_verb(key: str, row: Mapping[str, str], required: bool) -> list[Problem]:
    """The row's reading against the verb table (a file without a ``verb`` column: if given)."""
    if row["kind"] == "mention" and row["target_year"]:
        return [Problem("status_history.csv", key, "a mention sets no target_year")]
    if not row["verb"]:
        msg = "has no verb (the wording its stage is read from, see docs/verbs.md)"
        return [Problem("status_history.csv", key, msg)] if required else []
    why = check_reading(row["verb"], row["status"], row["kind"], row["quote"])
    return [Problem("status_history.csv", key, why)] if why else []


def check_history(history: pd.DataFrame, project_ids: set[str], texts, sources) -> list[Problem]:
    """Every problem with the status history."""
    problems = []
    dates = dict(zip(sources["file"], sources["date"], strict=True))
    for i, row in enumerate(history.to_dict("records"), start=2):
        key = f"{row['project_id']} (line {i})"
        if row["project_id"] not in project_ids:
            problems.append(Problem("status_history.csv", key, "unknown project_id"))
        if row["status"] not in STATUS:
            allowed = ", ".join(STATUS)
            problems.append(
                Problem(
                    "status_history.csv", key, f"status {row['status']!r} is not one of: {allowed}"
                )
            )
        if row["kind"] not in HISTORY_KINDS:
            problems.append(
                Problem(
                    "status_history.csv",
                    key,
                    f"kind {row['kind']!r} is not target, mention, report or update",
                )
            )
        if not DATE_PATTERN.match(row["date"]):
            problems.append(
                Problem("status_history.csv", key, f"date {row['date']!r} is not ISO 8601")
            )
        if row["target_year"] and not re.fullmatch(r"\d{4}", row["target_year"]):
            problems.append(Problem("status_history.csv", key, "target_year is not a year"))
        if row["kind"] == "update" or row["source"].startswith("update:"):
            # a planner's update (or a target set by one), reviewed in the store: no seed quote
            if not row["source"]:
                problems.append(Problem("status_history.csv", key, "an update needs a source"))
            continue
        problems += _check_citation("status_history.csv", key, row, texts)
        problems += _check_verb(key, row, "verb" in history.attrs.get("file_columns", ["verb"]))
        if row["source"] in dates and row["date"] != dates[row["source"]]:
            problems.append(
                Problem("status_history.csv", key, f"date {row['date']!r} differs from its source's "
                        f"date {dates[row['source']]!r}")
            )  # fmt: skip
    return problems


def name_stem(name: str, added: str) -> str:
    """The name without the words the registry added (``name_added``, ``;``-separated)."""
    for word in filter(None, added.split(";")):
        name = name.replace(word, "", 1)
    return name


def _name_and_placement(
    row: Mapping[str, str], entries: list[Mapping[str, str]], file_columns: list[str] | None
) -> list[str]:
    """The name occurs in a cited quote; an unplaced project says why (files with the columns)."""
    out = []
    given = file_columns or list(row)
    cited = [normalise_text(e["quote"]) for e in entries if e["kind"] != "update"]
    if "name_added" in given and cited:
        added = row["name_added"]
        missing = [w for w in filter(None, added.split(";")) if w not in row["name"]]
        stem = normalise_text(name_stem(row["name"], added))
        if missing:
            out.append(f"name_added {missing} are not words of the name")
        elif not any(stem in q for q in cited):
            what = f"'{stem}' (the name without {added!r})" if added else "the name"
            out.append(f"{what} does not occur in any of its quotes")
    if "unplaced_reason" in given and not row["feature_ids"] and not row["unplaced_reason"]:
        out.append("has no feature and no unplaced_reason")
    if row["feature_ids"] and row.get("unplaced_reason"):
        out.append("has features but an unplaced_reason")
    return out


def check_projects(
    projects: pd.DataFrame, history: pd.DataFrame, layer_ids: dict[str, set[str]]
) -> list[Problem]:
    """Every problem with projects.csv: ids, layers, feature links and status consistency."""
    problems = []
    owner: dict[str, str] = {}
    by_project = {pid: g.to_dict("records") for pid, g in history.groupby("project_id")}
    seen = set()
    for row in projects.to_dict("records"):
        pid = row["project_id"]
        bad = lambda msg, pid=pid: problems.append(Problem("projects.csv", pid, msg))  # noqa: E731
        if not ID_PATTERN.match(pid):
            bad("project_id is not an ASCII slug")
        if pid in seen:
            bad("duplicate project_id")
        seen.add(pid)
        for col in ("name", "name_en", "category"):
            if not row[col]:
                bad(f"missing required field '{col}'")
        if row["layer"] not in layer_ids:
            bad(f"unknown layer '{row['layer']}'")
            continue
        for fid in filter(None, row["feature_ids"].split(";")):
            if fid not in layer_ids[row["layer"]]:
                bad(f"points at feature '{fid}', which is not in layer '{row['layer']}'")
            elif fid in owner:
                bad(f"feature '{fid}' already belongs to project '{owner[fid]}'")
            else:
                owner[fid] = pid
        entries = by_project.get(pid, [])
        if not entries:
            bad("has no status history (every status needs a source)")
            continue
        for msg in _name_and_placement(row, entries, projects.attrs.get("file_columns")):
            bad(msg)
        derived = derive_status(entries)
        stored = (row["status"], row["status_date"], row["target_status"], row["target_year"])
        if stored != derived:
            bad(f"status columns {stored} disagree with its history, which gives {derived}")
    return problems


def check_indicators(
    indicators: pd.DataFrame,
    layer_fields: dict[str, set[str]],
    texts,
    project_ids: set[str] | None = None,
) -> list[Problem]:
    """Every problem with indicators.csv."""
    problems = []
    given = indicators.attrs.get("file_columns", list(indicators.columns))
    for row in indicators.to_dict("records"):
        iid = row["indicator_id"]
        bad = lambda msg, iid=iid: problems.append(Problem("indicators.csv", iid, msg))  # noqa: E731
        if row["layer"] and row["layer"] not in layer_fields:
            bad(f"unknown layer '{row['layer']}'")
        elif row["match_field"] and row["match_field"] not in layer_fields.get(row["layer"], set()):
            bad(f"match_field '{row['match_field']}' is not a field of layer '{row['layer']}'")
        try:
            float(row["target_value"])
        except ValueError:
            bad("target_value is not a number")
        if "comparison" in given and row["comparison"] not in COMPARISONS:
            bad(f"comparison {row['comparison']!r} is not one of ≥, ≤, =")
        if row["counts_status"] and row["counts_status"] not in STATUS:
            bad(f"counts_status {row['counts_status']!r} is not a status")
        for pid in filter(None, row["project_ids"].split(";")):
            if project_ids is not None and pid not in project_ids:
                bad(f"project_ids names unknown project '{pid}'")
        problems.extend(_check_citation("indicators.csv", iid, row, texts))
    return problems
