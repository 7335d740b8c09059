"""Big layers: a synthetic parcel layer at 1k, 10k, 100k (1M) features beside the bundled data.

For each size the script builds the layer in a temporary copy of the data (``geoapp.synthetic``:
8–12-vertex parcels 50–200 m across inside the city outline), adds it the way GIS staff do
(:func:`geoapp.layer_admin.add_layer`) and measures, against a real ``geoapp serve`` (waitress):

- ``layer add`` (read the file, propose, one store transaction validated inside, the mirror
  file and the layer cache) and ``geoapp validate`` (wall time, subprocess);
- start-up until the first answer (the store and the layer cache as ``layer add`` left them),
  and again after the layer cache is deleted; RSS, PSS and USS of each worker (2 workers,
  after the requests);
- the full map page ``/``: bytes, gzip bytes and time; its first draw in chromium (every layer
  drawn, the parcels' tiles among them) and the bytes fetched for it;
- vector tiles z10–z16 at random places in the layer: cold (first request) and warm (again),
  p50/p99 and the largest tile (1 worker, so the second request meets the first one's cache);
- ``/api/layers/parcels?bbox=…`` with a random 1 km box: p50;
- ``geoapp export parcels --format gpkg``: wall time;
- beside pygeoapi (GeoJSON provider, ``.bench/`` venv from scripts/bench_ogc.py) on the same layer:
  items with a 1 km bbox, p50 (up to ``--pygeoapi-max`` features); and a static file from our
  server as the floor of a request.

Results go to the ``## Big layers (scripts/bench_scale.py)`` section of docs/benchmarks.md::

    python scripts/bench_scale.py [--sizes 1000,10000,100000,1000000] [--tiles 20] [--no-pygeoapi]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import bench_ogc  # scripts/bench_ogc.py: pygeoapi venv, gunicorn runner, machine, docs section
import psutil

from geoapp import synthetic, tiles
from geoapp.config import ROOT
from geoapp.importing import ImportLimits
from geoapp.layer_admin import add_layer, propose_layer
from geoapp.store import open_store

HEADING = "## Big layers (scripts/bench_scale.py)"
GEOAPP = str(Path(sys.executable).parent / "geoapp")
KM = (1000 / synthetic.M_PER_DEG[0], 1000 / synthetic.M_PER_DEG[1])


def build(root: Path, n: int) -> tuple[Path, Path, float, list[float]]:
    """The bundled data plus ``n`` parcels in ``root``; the dirs, the add time (read the file,
    propose, one store transaction validated inside, mirror file, layer cache) and the bounds."""
    data, layers = root / "data", root / "layers"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*", ".cache"))
    shutil.copytree(ROOT / "layers", layers)
    gdf = synthetic.parcels(synthetic.city_outline(data), n, seed=n)
    source = synthetic.write_geojson(gdf, root / "parcels_source.geojson")
    bounds = [float(v) for v in gdf.total_bounds]
    del gdf
    open_store({"DATA_DIR": str(data)}).close()  # the store exists, as on a running service
    t = time.perf_counter()
    plan = propose_layer(source, "parcels", {"zh": "地块（合成）", "en": "Parcels (synthetic)"},
                         data, layers, geometry_source="合成测试数据 / synthetic",
                         limits=ImportLimits(2**40, 10**8, 10**9))  # fmt: skip
    add_layer(plan, data, layers)
    return data, layers, time.perf_counter() - t, bounds


def timed_run(cmd: list[str], env: dict[str, str]) -> float:
    """Wall time of a command that must succeed."""
    t = time.perf_counter()
    subprocess.run(cmd, env={**os.environ, **env}, check=True, capture_output=True)
    return time.perf_counter() - t


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int):
    """``geoapp serve`` on a free port; yields (base URL, start-up seconds, process)."""
    port = bench_ogc.free_port()
    cmd = [GEOAPP, "serve", "--port", str(port), "--workers", str(workers), "--threads", "4"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/ogc/collections", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit("geoapp serve exited")
                time.sleep(0.1)
        yield base, time.perf_counter() - t, proc
    finally:
        proc.terminate()
        proc.wait(30)


def get(url: str, timeout: float = 300) -> tuple[float, bytes, int]:
    """(seconds, body, status) of one GET."""
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = r.read()
        return time.perf_counter() - t, body, r.status


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in ms."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def tile_figures(base: str, bounds, count: int, rng: random.Random) -> dict[str, float]:
    """Cold and warm tile latency over z10–z16 at random places, and the largest tile."""
    cold, warm, largest = [], [], 0
    for z in range(10, 17):
        for _ in range(count):
            t = tiles.TMS.tile(
                rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3]), z
            )
            url = f"{base}/ogc/collections/parcels/tiles/WebMercatorQuad/{z}/{t.y}/{t.x}"
            seconds, body, _ = get(url)
            cold.append(seconds)
            largest = max(largest, len(body))
            warm.append(get(url)[0])
    return {"cold p50": pct(cold, 50), "cold p99": pct(cold, 99), "warm p50": pct(warm, 50),
            "warm p99": pct(warm, 99), "largest KB": largest / 1000}  # fmt: skip


def bbox_urls(base: str, bounds, count: int, rng: random.Random, api: bool) -> list[str]:
    """Random 1 km boxes inside the layer, as our API or an OGC items request."""
    out = []
    for _ in range(count):
        x, y = rng.uniform(bounds[0], bounds[2] - KM[0]), rng.uniform(bounds[1], bounds[3] - KM[1])
        box = f"{x:.5f},{y:.5f},{x + KM[0]:.5f},{y + KM[1]:.5f}"
        path = "/api/layers/parcels" if api else "/collections/parcels/items"
        out.append(f"{base}{path}?bbox={box}&limit=1000&f=json")
    return out


def memory_per_worker(proc: subprocess.Popen) -> dict[str, float]:
    """The largest RSS, PSS and USS (MB) among the server's workers (the parent if none): RSS
    counts the pages a worker shares with the parent it was forked from, PSS a fair share of
    them, USS only its own."""
    parent = psutil.Process(proc.pid)
    workers = parent.children(recursive=True) or [parent]
    infos = [p.memory_full_info() for p in workers]
    return {f"{k.upper()}/worker MB": max(getattr(i, k) for i in infos) / 2**20
            for k in ("rss", "pss", "uss")}  # fmt: skip


VISIBLE_TILES = (
    "() => window.GeoappPlanMap.entries.every(e => !e.tiles || window.GeoappPlanMap.map.getZoom()"
    " < ((e.geojson._gpSpec || {}).min_zoom || 0))"
    " || document.querySelectorAll('.leaflet-tile-container canvas').length > 0"
)


def _draw(browser, url: str) -> tuple[float, float]:
    """(seconds until every layer shown at the view is drawn and the network is idle, KB)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sent: list[int] = []
    page.on("requestfinished", lambda r: sent.append(r.sizes()["responseBodySize"]))
    t = time.perf_counter()
    page.goto(url, timeout=300_000)
    page.wait_for_selector(".folium-map[data-geoapp-ready='1']", timeout=300_000)
    page.wait_for_function(VISIBLE_TILES, timeout=300_000)
    page.wait_for_load_state("networkidle", timeout=300_000)
    seconds = time.perf_counter() - t
    page.close()
    return seconds, sum(sent) / 1000


def draw_figures(base: str, centre: tuple[float, float] | None) -> dict[str, float]:
    """The full map in chromium (1280 × 900): seconds until every layer shown is drawn and the
    bytes it fetched (as sent, compressed); then a detail view (zoom 15) in the middle of the
    parcels, drawn from their tiles."""
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # fmt: skip
    out: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        out["first draw s"], out["fetched KB"] = _draw(browser, f"{base}/")
        if centre is not None:
            view = f"{base}/#map=15/{centre[1]:.5f}/{centre[0]:.5f}"
            out["z15 draw s"], out["z15 fetched KB"] = _draw(browser, view)
        browser.close()
    return out


def middle(bounds) -> tuple[float, float]:
    """The middle of the parcels' extent."""
    return (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2


def page_figures(base: str) -> dict[str, float]:
    """The full map page: bytes, gzip bytes, seconds (the first request builds it)."""
    seconds, body, _ = get(f"{base}/")
    return {"page KB": len(body) / 1000, "page gzip KB": len(gzip.compress(body)) / 1000,
            "page s": seconds}  # fmt: skip


def startup_without_cache(data: Path, env: dict[str, str]) -> float:
    """Start-up after the layer cache is lost: the parcels are read from the store again."""
    shutil.rmtree(data / ".cache", ignore_errors=True)
    with serve(env, workers=1) as (_, seconds, _):
        return seconds


def measure(n: int, args, rng: random.Random) -> dict[str, float]:
    """Every figure for one size (0: the bundled data alone, the baseline of the page goals)."""
    out: dict[str, float] = {"features": n}
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        if n:
            data, layers, out["layer add s"], bounds = build(Path(tmp), n)
        else:
            data, layers = Path(tmp) / "data", ROOT / "layers"
            shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*"))
        env = {"GEOAPP_DATA_DIR": str(data), "GEOAPP_LAYERS_DIR": str(layers),
               "GEOAPP_BASEMAP": "none", "GEOAPP_RATE_LIMIT_EXPENSIVE": "100000 per minute"}  # fmt: skip
        out["validate s"] = timed_run([GEOAPP, "validate", "--data", str(data), "--layers",
                                       str(layers)], env)  # fmt: skip
        with serve(env, workers=2) as (base, startup, proc):
            out["start-up s"] = startup
            out.update(page_figures(base))
            out.update(draw_figures(base, middle(bounds) if n else None))
            if n:
                api = [get(u)[0] for u in bbox_urls(base, bounds, 30, rng, api=True)]
                out["API bbox p50 ms"] = pct(api, 50)
            out.update(memory_per_worker(proc))
        if not n:
            return out
        out["export gpkg s"] = timed_run([GEOAPP, "export", "parcels", "--format", "gpkg", "--data",
                                          str(data), "--layers", str(layers), "-o",
                                          str(Path(tmp) / "p.gpkg")], env)  # fmt: skip
        with serve(env, workers=1) as (base, _, _):
            out.update(tile_figures(base, bounds, args.tiles, rng))
            static = [get(f"{base}/static/vendor/MANIFEST.json")[0] for _ in range(30)]
            out["static file p50 ms"] = pct(static, 50)
        out["start-up, no cache s"] = startup_without_cache(data, env)
        if args.pygeoapi and n <= args.pygeoapi_max:
            try:
                out.update(pygeoapi_figures(data, bounds, rng, 1 if n >= 100_000 else 10))
            except OSError as exc:  # a request longer than pygeoapi's worker timeout
                print(f"pygeoapi at {n}: {exc}", file=sys.stderr)
    return out


def pygeoapi_figures(data: Path, bounds, rng: random.Random, count: int) -> dict[str, float]:
    """pygeoapi's GeoJSON provider on the same layer file: items with a 1 km bbox, p50."""
    version = bench_ogc.ensure_pygeoapi()
    port = bench_ogc.free_port()
    cfg = bench_ogc.pygeoapi_config(data / "geojson", port)
    parcels = dict(next(iter(cfg["resources"].values())))
    parcels["providers"] = [{"type": "feature", "name": "GeoJSON", "id_field": "id",
                             "data": str(data / "geojson" / "parcels.geojson")}]  # fmt: skip
    cfg["resources"] = {"parcels": parcels}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "pygeoapi.yml"
        config.write_text(json.dumps(cfg))  # JSON is YAML
        openapi = Path(tmp) / "openapi.yml"
        env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        venv = bench_ogc.VENV / "bin"
        subprocess.run([str(venv / "pygeoapi"), "openapi", "generate", str(config), "--output-file",
                        str(openapi)], env={**os.environ, **env}, check=True, capture_output=True)  # fmt: skip
        cmd = [str(venv / "gunicorn"), "-w", "1", "--timeout", "900", "-b",
               f"127.0.0.1:{port}", "pygeoapi.flask_app:APP"]  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        with bench_ogc.gunicorn(cmd, env, f"{base}/collections?f=json"):
            times = [get(u, 600)[0] for u in bbox_urls(base, bounds, count, rng, api=False)]
    return {f"pygeoapi {version} bbox p50 ms": pct(times, 50)}


COLUMNS = ["features", "layer add s", "validate s", "start-up s", "start-up, no cache s",
           "RSS/worker MB", "PSS/worker MB", "USS/worker MB", "page KB", "page gzip KB", "page s",
           "first draw s", "fetched KB", "z15 draw s", "z15 fetched KB", "cold p50", "cold p99", "warm p50", "warm p99",
           "largest KB", "API bbox p50 ms", "export gpkg s", "static file p50 ms"]  # fmt: skip


def table(rows: list[dict[str, float]]) -> str:
    """A Markdown table of every figure (— where not measured)."""
    extra = sorted({k for r in rows for k in r if k not in COLUMNS})
    cols = COLUMNS + extra
    head = "| " + " | ".join(cols) + " |\n|" + "---:|" * len(cols) + "\n"

    def cell(v) -> str:
        if v is None:
            return "—"
        if v == 0:
            return "0"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"

    return head + "".join("| " + " | ".join(cell(r.get(c)) for c in cols) + " |\n" for r in rows)


def main() -> None:
    """Measure every size, print the table and write it to docs/benchmarks.md."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--tiles", type=int, default=20, help="random tiles per zoom (z10–z16)")
    p.add_argument("--no-pygeoapi", dest="pygeoapi", action="store_false")
    p.add_argument(
        "--pygeoapi-max",
        type=int,
        default=100_000,
        help="largest size to run pygeoapi on (it reads the whole file per request)",
    )
    p.add_argument("--note", default="", help="a sentence on the conditions of the run")
    args = p.parse_args()
    rng = random.Random(15)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows.append(measure(n, args, rng))
        print(table(rows), flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"{HEADING}\n\n{stamp} on {bench_ogc.machine()}. {args.note}\n\n"
            "Tiles: milliseconds per request (cold = first request of that tile in the process, "
            "warm = the same tile again), z10–z16 at random places in the layer, "
            f"{args.tiles} per zoom; largest = the biggest tile seen.\n\n{table(rows)}")  # fmt: skip
    bench_ogc.HEADING = HEADING
    print(f"wrote {bench_ogc.write_section(text)}")


if __name__ == "__main__":
    main()
