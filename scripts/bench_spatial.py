"""Benchmark geoapp's R-tree index against a naive shapely scan and shapely's STRtree.

Synthetic features (a third each of points, short lines and small polygons) are scattered over
the city's extent at 1k, 10k, 100k and 1M features. For each size, in a fresh process (so the
memory figures are clean): build time and resident-memory growth of each structure, then the
median time of bbox, point and nearest queries. Results go to ``docs/benchmarks.md`` under
``## Spatial index (scripts/bench_spatial.py)`` (only that section is replaced).

    python scripts/bench_spatial.py                      # all sizes, writes docs/benchmarks.md
    python scripts/bench_spatial.py --sizes 1000,10000 --no-write
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import numpy as np
import rtree
import shapely
from shapely import STRtree

from geoapp.coords import to_metric
from geoapp.spatial import SpatialIndex
from geoapp.status import STATUS

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Spatial index (scripts/bench_spatial.py)"
#: The city's extent (the bundled boundary's bounds), lon/lat degrees.
EXTENT = (119.89, 28.76, 120.35, 29.10)
#: Query boxes are about 1 km × 1 km; features at most ~200 m across.
BOX_DEG = 0.01
FEATURE_DEG = 0.002
SEED = 20260101


def synthetic_features(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """n features in EXTENT: points, 2–4 vertex lines and small quadrilaterals, in thirds."""
    minx, miny, maxx, maxy = EXTENT
    kinds = np.arange(n) % 3
    origin = rng.uniform([minx, miny], [maxx, maxy], size=(n, 2))
    geoms = np.empty(n, dtype=object)
    points = kinds == 0
    geoms[points] = shapely.points(origin[points])
    lines = np.flatnonzero(kinds == 1)
    nverts = rng.integers(2, 5, size=len(lines))
    steps = rng.uniform(-FEATURE_DEG / 2, FEATURE_DEG / 2, size=(int(nverts.sum()), 2))
    owner = np.repeat(np.arange(len(lines)), nverts)
    first = np.r_[0, np.cumsum(nverts)[:-1]]
    steps[first] = 0
    coords = (
        origin[lines][owner]
        + np.cumsum(steps, axis=0)
        - np.repeat(np.cumsum(steps, axis=0)[first], nverts, axis=0)
    )
    geoms[lines] = shapely.linestrings(coords, indices=owner)
    polys = np.flatnonzero(kinds == 2)
    size = rng.uniform(FEATURE_DEG / 10, FEATURE_DEG, size=(len(polys), 2))
    x0, y0 = origin[polys].T
    geoms[polys] = shapely.box(x0, y0, x0 + size[:, 0], y0 + size[:, 1])
    status = rng.choice(list(STATUS), size=n)
    return gpd.GeoDataFrame(
        {"id": [f"f{i}" for i in range(n)], "status": status}, geometry=geoms, crs="EPSG:4326"
    )


def rss_bytes() -> int:
    """Resident set size of this process, from /proc."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def release_free_memory() -> None:
    """Collect garbage and hand freed heap back to the OS, so RSS growth means new memory."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the RSS figures are then upper bounds
        pass


def timed(build: Callable[[], object]) -> tuple[object, float, int]:
    """(result, seconds, RSS growth in bytes) of one build."""
    release_free_memory()
    before = rss_bytes()
    start = time.perf_counter()
    out = build()
    return out, time.perf_counter() - start, rss_bytes() - before


def median_us(fn: Callable[[object], object], queries: list) -> float:
    """Median wall time of fn over the queries, in microseconds."""
    times = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


@dataclass
class Built:
    """The features and every structure built over them."""

    geoms: np.ndarray
    metric: np.ndarray
    index: SpatialIndex
    raw: rtree.index.Index
    tree: STRtree
    metric_tree: STRtree


@dataclass
class Queries:
    """Random ~1 km boxes and points in the city's extent (points are the boxes' corners)."""

    boxes: list[tuple[float, float, float, float]]
    box_geoms: list[shapely.Geometry]
    points: list[tuple[float, float]]
    point_geoms: list[shapely.Geometry]
    metric_points: list[shapely.Geometry]


def build(n: int, rng: np.random.Generator) -> tuple[Built, dict[str, float], dict[str, float]]:
    """Build everything; (structures, seconds per build, RSS MB per build)."""
    gdf, t_data, m_data = timed(lambda: synthetic_features(n, rng))
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    bounds = shapely.bounds(geoms)
    raw, t_raw, m_raw = timed(
        lambda: rtree.index.Index((np.arange(n, dtype=np.int64), bounds[:, :2], bounds[:, 2:]))
    )
    tree, t_str, m_str = timed(lambda: STRtree(geoms))
    index, t_index, m_index = timed(lambda: SpatialIndex.from_layers({"synthetic": gdf}))
    metric = np.asarray(to_metric(gdf.geometry).array, dtype=object)
    metric_tree = STRtree(metric)
    seconds = {"data": t_data, "index": t_index, "rtree_raw": t_raw, "strtree": t_str}
    mb = {"data": m_data, "index": m_index, "rtree_raw": m_raw, "strtree": m_str}
    built = Built(geoms, metric, index, raw, tree, metric_tree)
    return built, seconds, {k: v / 2**20 for k, v in mb.items()}


def make_queries(rng: np.random.Generator, count: int) -> Queries:
    """``count`` random boxes and points."""
    minx, miny, maxx, maxy = EXTENT
    qx = rng.uniform(minx, maxx - BOX_DEG, count)
    qy = rng.uniform(miny, maxy - BOX_DEG, count)
    boxes = [(x, y, x + BOX_DEG, y + BOX_DEG) for x, y in zip(qx, qy, strict=True)]
    points = list(zip(qx, qy, strict=True))
    point_geoms = [shapely.Point(p) for p in points]
    return Queries(
        boxes, [shapely.box(*b) for b in boxes], points, point_geoms,
        [to_metric(p) for p in point_geoms],
    )  # fmt: skip


def check_agreement(b: Built, q: Queries) -> None:
    """The index, STRtree and the vectorised scan give the same answers (a few queries)."""
    for box, g in list(zip(q.boxes, q.box_geoms, strict=True))[:5]:
        got = sorted(int(h.feature_id[1:]) for h in b.index.bbox(*box))
        assert got == sorted(b.tree.query(g, predicate="intersects").tolist())
        assert got == np.flatnonzero(shapely.intersects(b.geoms, g)).tolist()
    for p, mp in list(zip(q.points, q.metric_points, strict=True))[:5]:
        d = np.sort(shapely.distance(b.metric, mp))[:10]
        assert np.allclose([h.distance_m for h in b.index.nearest(*p, 10)], d)


def query_times(b: Built, q: Queries, slow: int, slowest: int) -> dict[str, dict[str, float]]:
    """Median µs per query kind and method (the scans over the first slow/slowest queries)."""

    def loop_intersects(g: shapely.Geometry) -> list[int]:
        """The naive scan: every feature tested in a Python loop."""
        return [i for i, f in enumerate(b.geoms) if f.intersects(g)]

    def loop_nearest(mp: shapely.Point, k: int = 10) -> list[int]:
        """The naive k-nearest: every feature's distance in a Python loop, sorted."""
        return sorted(range(len(b.metric)), key=lambda i: b.metric[i].distance(mp))[:k]

    def vector_intersects(g: shapely.Geometry) -> np.ndarray:
        """The vectorised scan."""
        return np.flatnonzero(shapely.intersects(b.geoms, g))

    def vector_nearest(mp: shapely.Point, k: int = 10) -> np.ndarray:
        """The vectorised k-nearest: one distance call, a partial sort."""
        d = shapely.distance(b.metric, mp)
        best = np.argpartition(d, k)[:k]
        return best[np.argsort(d[best])]

    def strtree(g: shapely.Geometry) -> np.ndarray:
        """shapely's STRtree with the exact predicate."""
        return b.tree.query(g, predicate="intersects")

    return {
        "bbox": {
            "rtree": median_us(lambda box: b.index.bbox(*box), q.boxes),
            "rtree_raw": median_us(lambda box: list(b.raw.intersection(box)), q.boxes),
            "naive": median_us(vector_intersects, q.box_geoms[:slow]),
            "loop": median_us(loop_intersects, q.box_geoms[:slowest]),
            "strtree": median_us(strtree, q.box_geoms),
        },
        "point": {
            "rtree": median_us(lambda p: b.index.point(*p), q.points),
            "naive": median_us(vector_intersects, q.point_geoms[:slow]),
            "loop": median_us(loop_intersects, q.point_geoms[:slowest]),
            "strtree": median_us(strtree, q.point_geoms),
        },
        "nearest1": {
            "rtree": median_us(lambda p: b.index.nearest(*p, 1), q.points),
            "naive": median_us(lambda mp: vector_nearest(mp, 1), q.metric_points[:slow]),
            "strtree": median_us(b.metric_tree.query_nearest, q.metric_points),
        },
        "nearest10": {
            "rtree": median_us(lambda p: b.index.nearest(*p, 10), q.points),
            "naive": median_us(vector_nearest, q.metric_points[:slow]),
            "loop": median_us(loop_nearest, q.metric_points[:slowest]),
        },
    }


def run_one(n: int, n_queries: int) -> dict:
    """Every measurement at one size (run in its own process)."""
    rng = np.random.default_rng(SEED + n)
    built, seconds, mb = build(n, rng)
    queries = make_queries(rng, n_queries)
    check_agreement(built, queries)
    slow = max(10, min(n_queries, 2_000_000 // n))  # the scans get fewer queries at large n
    slowest = max(5, min(n_queries, 200_000 // n))
    return {
        "n": n,
        "queries": n_queries,
        "scan_queries": [slow, slowest],
        "mean_bbox_hits": statistics.mean(len(built.index.bbox(*b)) for b in queries.boxes[:50]),
        "build_s": seconds,
        "rss_mb": mb,
        "query_us": query_times(built, queries, slow, slowest),
    }


def machine() -> dict[str, str]:
    """CPU, cores, RAM, Python and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "date": dt.date.today().isoformat(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "libs": ", ".join(
            [
                f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string})",
                f"rtree {rtree.__version__} (libspatialindex {rtree.core.rt.SIDX_Version().decode()})",
                f"numpy {np.__version__}",
                f"geopandas {gpd.__version__}",
                f"pyproj {version('pyproj')}",
            ]
        ),
    }


def fmt_us(us: float) -> str:
    """A duration given in µs, in a readable unit."""
    return f"{us:,.0f} µs" if us < 10_000 else f"{us / 1000:,.1f} ms"


def build_table(results: list[dict]) -> list[str]:
    """Build time and memory per size."""
    lines = [
        "| features | build: SpatialIndex | build: raw rtree | build: STRtree | "
        "memory: SpatialIndex | memory: raw rtree | memory: STRtree |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, m = r["build_s"], r["rss_mb"]
        lines.append(
            f"| {r['n']:,} | {b['index']:.2f} s | {b['rtree_raw']:.3f} s | {b['strtree']:.3f} s | "
            f"{m['index']:,.0f} MB | {m['rtree_raw']:,.0f} MB | {m['strtree']:,.0f} MB |"
        )
    return lines


def query_table(results: list[dict]) -> list[str]:
    """Median query times per size and kind, with the speed-ups over the scans."""
    lines = [
        "| features | query | rtree | raw rtree | STRtree | naive scan | vectorised scan | "
        "naive ÷ rtree | vectorised ÷ rtree |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {"bbox": "bbox", "point": "point", "nearest1": "nearest k=1",
              "nearest10": "nearest k=10"}  # fmt: skip
    for r in results:
        for kind, label in labels.items():
            q = r["query_us"][kind]
            cell = {k: fmt_us(q[k]) if k in q else "–" for k in ("rtree_raw", "strtree", "loop")}
            ratio = f"{q['loop'] / q['rtree']:,.0f}×" if "loop" in q else "–"
            lines.append(
                f"| {r['n']:,} | {label} | {fmt_us(q['rtree'])} | {cell['rtree_raw']} | "
                f"{cell['strtree']} | {cell['loop']} | {fmt_us(q['naive'])} | {ratio} | "
                f"{q['naive'] / q['rtree']:,.1f}× |"
            )
    return lines


def report(results: list[dict], info: dict[str, str]) -> str:
    """The markdown section."""
    lines = [
        HEADING,
        "",
        f"Run {info['date']} on {info['cpu']} ({info['cores']} cores, {info['ram']} RAM), "
        f"{info['os']}, Python {info['python']}; {info['libs']}.",
        "",
        "Synthetic features in the city's extent (a third each of points, 2–4 vertex lines and "
        f"quadrilaterals up to ~{FEATURE_DEG * 111_000:.0f} m across, random statuses). Queries: "
        f"~1 km × 1 km boxes ({BOX_DEG}°), points, nearest by true distance in metres. Times "
        "are medians over the queries (the scans get fewer at large sizes). *rtree* is "
        "`geoapp.spatial.SpatialIndex` end to end (R-tree, exact shapely test, `Hit` objects, "
        "order); *raw rtree* is the bare `rtree.index.Index.intersection` (boxes only, no exact "
        "test); *STRtree* is `shapely.STRtree.query(predicate='intersects')`, and for nearest "
        "an STRtree built on the EPSG:4549 geometries (`query_nearest`, k = 1 only); the *naive "
        "scan* tests every feature in a Python loop (`geom.intersects(box)`, "
        "`geom.distance(point)`), the *vectorised scan* does the same in one "
        "`shapely.intersects` / `shapely.distance` call over an array of every feature.",
        "",
        *build_table(results),
        "",
        "Building the SpatialIndex includes projecting every feature to EPSG:4549 once (cached "
        "for distances) and its per-feature columns; memory is resident-set growth (freed heap "
        "handed back with `malloc_trim` before each build).",
        "",
        *query_table(results),
        "",
        *summary(results),
        "",
    ]
    return "\n".join(lines)


def summary(results: list[dict]) -> list[str]:
    """What the numbers say (sentences chosen by the numbers, not written in advance)."""
    by_n = {r["n"]: r for r in results}
    out = []
    if 100_000 in by_n:
        q = by_n[100_000]["query_us"]["bbox"]
        ratio = q["loop"] / q["rtree"]
        verdict = "meets" if ratio >= 100 else "misses"
        out.append(
            f"- At 100k features a bbox query takes {fmt_us(q['rtree'])} through the index and "
            f"{fmt_us(q['loop'])} by the naive scan: {ratio:,.0f}× faster, which {verdict} the "
            f"≥100× target ({by_n[100_000]['mean_bbox_hits']:.0f} hits per box on average). "
            f"Against the vectorised scan ({fmt_us(q['naive'])}) it is "
            f"{q['naive'] / q['rtree']:.0f}× faster: the index's cost is the fixed overhead of a "
            f"libspatialindex call through ctypes ({fmt_us(q['rtree_raw'])} for the bare R-tree) "
            "and building a `Hit` per result."
        )
    big = results[-1]
    q, b = big["query_us"], big["build_s"]
    faster = [k for k in ("bbox", "point", "nearest1") if q[k]["strtree"] < q[k]["rtree"]]
    if faster:
        out.append(
            f"- STRtree wins at {big['n']:,} features on "
            + ", ".join(f"{k} ({q[k]['rtree'] / q[k]['strtree']:.1f}× faster)" for k in faster)
            + f", and builds in {b['strtree']:.2f} s against {b['index']:.2f} s: its packed tree,"
            " exact predicate and result array all stay in C (GEOS), while SpatialIndex pays a "
            "ctypes call into libspatialindex, then Python per candidate (filters, `Hit`, sort)."
        )
    out.append(
        "- We keep rtree, though not for in-place updates (the index is bulk-loaded again with "
        "every new catalog, after an import or a status update): STRtree's nearest works in the "
        "units of the tree (degrees, or a second tree in metres) with k = 1 only and no filters, "
        "while the R-tree streams candidates in order for an exact k-nearest in metres under "
        "layer/status/zone filters. At the sizes this service holds (tens to thousands of features) every query "
        "is well under a millisecond either way."
    )
    return out


def write_section(path: Path, section: str) -> None:
    """Replace (or add) our section of docs/benchmarks.md, leaving the others alone."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(HEADING)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + ("\n" + text[nxt + 1 :] if nxt != -1 else "")
    path.write_text(text.rstrip("\n") + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run every size in its own process, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.queries)))
        return 0
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(n), "--queries", str(args.queries)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout))
        print(f"{n:>9,} features done", file=sys.stderr)
    section = report(results, machine())
    print(section)
    if not args.no_write:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
