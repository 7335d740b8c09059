"""OGC API – Features items: our server against pygeoapi serving the same layers.

Both run under gunicorn with the same worker and thread counts; Debian's ``wrk`` loads them with
two requests per server (``limit=100``, and the same with a ``bbox``). pygeoapi (GeoJSON provider)
lives in its own virtualenv under ``.bench/`` (ignored by git through ``.bench/.gitignore``) and
serves the layers as :mod:`geoapp.export` writes them (RFC 7946 GeoJSON, registry joined), so the
two answer with the same features. Both answers are checked to hold the same ids before loading.

The result goes to the ``## OGC API items (scripts/bench_ogc.py)`` section of docs/benchmarks.md
(the other sections are left alone)::

    python scripts/bench_ogc.py [--workers 2] [--threads 4] [--duration 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from geoapp.catalog import load_catalog
from geoapp.config import ROOT
from geoapp.export import export

BENCH = ROOT / ".bench"
VENV = BENCH / "pygeoapi-venv"
PYGEOAPI = "pygeoapi==0.21.0"
HEADING = "## OGC API items (scripts/bench_ogc.py)"
LAYER = "ring_roads"
BBOX = "120.0,28.85,120.1,28.95"
REQUESTS = {
    "items limit=100": f"/collections/{LAYER}/items?limit=100&f=json",
    "items limit=100 + bbox": f"/collections/{LAYER}/items?limit=100&bbox={BBOX}&f=json",
    # a new bbox on every request, as a map being panned sends: nothing is answered twice
    "items limit=100 + random bbox": f"/collections/{LAYER}/items?limit=100&f=json",
}
RANDOM_BBOX = """
math.randomseed(7)
request = function()
  local x, y = 119.95 + math.random() * 0.25, 28.80 + math.random() * 0.2
  return wrk.format("GET", string.format("%s&bbox=%.6f,%.6f,%.6f,%.6f", PATH, x, y, x + 0.08, y + 0.08))
end
"""


def ensure_pygeoapi() -> str:
    """pygeoapi in .bench/pygeoapi-venv (installed once); returns its version."""
    BENCH.mkdir(exist_ok=True)
    (BENCH / ".gitignore").write_text("*\n")
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = [str(python), "-c", "import pygeoapi, gunicorn; print(pygeoapi.__version__)"]
    if subprocess.run(probe, capture_output=True).returncode != 0:
        pip = [str(python), "-m", "pip", "install", "--quiet", PYGEOAPI, "gunicorn"]
        done = subprocess.run(pip, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"pygeoapi could not be installed:\n{done.stderr[-2000:]}")
    return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()


def pygeoapi_config(data: Path, port: int) -> dict:
    """A pygeoapi configuration serving every layer file in ``data`` with the GeoJSON provider."""
    catalog = load_catalog(ROOT / "data", ROOT / "layers")
    resources = {}
    for lid, layer in catalog.defs.items():
        resources[lid] = {
            "type": "collection",
            "title": layer.title_for("en"),
            "description": layer.description_for("en"),
            "keywords": [lid],
            "links": [],
            "extents": {"spatial": {"bbox": [119.88, 28.75, 120.36, 29.12],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "GeoJSON",
                           "data": str(data / f"{lid}.geojson"), "id_field": "id"}],
        }  # fmt: skip
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                               "keywords_type": "theme", "url": "http://127.0.0.1",
                               "terms_of_service": "https://creativecommons.org/licenses/by/4.0/"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "position": "bench", "address": "-", "city": "-",
                        "stateorprovince": "-", "postalcode": "-", "country": "-", "phone": "-",
                        "fax": "-", "email": "-", "url": "http://127.0.0.1", "hours": "-",
                        "instructions": "-", "role": "pointOfContact"},
        },
        "resources": resources,
    }  # fmt: skip


def preloaded_app():
    """Our app with its catalog loaded (gunicorn --preload calls this before forking)."""
    from geoapp.web import create_app
    from geoapp.web.state import get_catalog

    app = create_app()
    with app.app_context():
        get_catalog()
    return app


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(cmd: list[str], env: dict[str, str], probe: str):
    """Run a gunicorn command until the block ends; wait until ``probe`` answers."""
    out = subprocess.DEVNULL
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=out)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(probe, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit(f"server exited: {' '.join(cmd)}")
                time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def ids(url: str) -> list[str]:
    """The feature ids of an items response."""
    with urllib.request.urlopen(url) as r:
        return [f["id"] for f in json.load(r)["features"]]


def wrk(url: str, duration: int, connections: int, random_bbox: bool = False) -> dict[str, float]:
    """Requests/s and p50/p99 latency (ms) from ``wrk --latency``."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if random_bbox:
        path = "/" + url.split("/", 3)[3]
        script = BENCH / "random_bbox.lua"
        script.write_text(f"PATH = {json.dumps(path)}\n{RANDOM_BBOX}")
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def pct(p: str) -> float:
        """The p-th percentile latency in ms."""
        value, u = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * unit[u]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"{url}: {errors.group(1)} error responses under load")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": pct("50"), "p99": pct("99")}


def machine() -> str:
    """CPU model, cores, memory, OS and Python."""
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())  # fmt: skip
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 2**20
    return f"{cpu}, {os.cpu_count()} cores, {mem} GB RAM, {platform.platform()}, Python {platform.python_version()}"


def write_section(text: str) -> Path:
    """Replace (or add) our section of docs/benchmarks.md, leaving the others as they are."""
    path = ROOT / "docs" / "benchmarks.md"
    old = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
    new = (
        pattern.sub(lambda m: text, old)
        if pattern.search(old)
        else old.rstrip("\n") + "\n\n" + text
    )
    path.write_text(new, "utf-8")
    return path


def main() -> int:
    """Set up, check both servers agree, load them, write the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs per row (median)")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    version = ensure_pygeoapi()
    servers = server_commands(args, version)
    results = measure(servers, args)
    text = render(results, servers, args, version)
    print(text)
    if not args.no_write:
        print(f"wrote {write_section(text)}")
    return 0


def server_commands(args, version: str) -> dict[str, tuple[list[str], dict[str, str], str]]:
    """Name → (gunicorn command, environment, base URL), pygeoapi's data and config written."""
    data = BENCH / "data"
    data.mkdir(exist_ok=True)
    catalog = load_catalog(ROOT / "data", ROOT / "layers")
    for lid in catalog.defs:
        export(catalog, lid, "geojson", "EPSG:4326", data / f"{lid}.geojson")
    ours, theirs = free_port(), free_port()
    config, openapi = BENCH / "pygeoapi.config.yml", BENCH / "pygeoapi.openapi.yml"
    config.write_text(json.dumps(pygeoapi_config(data, theirs)))  # JSON is YAML
    subprocess.run([str(VENV / "bin" / "pygeoapi"), "openapi", "generate", str(config),
                    "--output-file", str(openapi)], check=True, capture_output=True)  # fmt: skip
    common = ["-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads),
              "--log-level", "warning", "--preload"]  # fmt: skip
    return {
        # as `geoapp serve` runs it (catalog loaded before the workers fork), without its access log
        "geoapp": ([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{ours}", *common,
                    "--chdir", str(Path(__file__).resolve().parent), "bench_ogc:preloaded_app()"],
                   {"GEOAPP_BASEMAP": "none"}, f"http://127.0.0.1:{ours}/ogc"),
        f"pygeoapi {version}": ([str(VENV / "bin" / "gunicorn"), "-b", f"127.0.0.1:{theirs}", *common,
                                 "pygeoapi.flask_app:APP"],
                                {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
                                f"http://127.0.0.1:{theirs}"),
    }  # fmt: skip


def measure(servers: dict, args) -> dict[tuple[str, str], dict[str, float]]:
    """Median requests/s, p50, p99 per (server, request); both servers must return the same ids."""
    results = {}
    with contextlib.ExitStack() as stack:  # both up at once; rounds alternate between them
        for cmd, env, base in servers.values():
            stack.enter_context(gunicorn(cmd, env, base + REQUESTS["items limit=100"]))
        for label, path in REQUESTS.items():
            rnd = "random" in label
            answers = {tuple(ids(base + path)) for _, _, base in servers.values()}
            if len(answers) != 1:
                sys.exit(f"the servers disagree on {label}: {answers}")
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
            for _, _, base in servers.values():
                wrk(base + path, 3, args.connections, rnd)  # warm up every worker
            for _ in range(args.rounds):
                for name, (_, _, base) in servers.items():
                    runs[name].append(wrk(base + path, args.duration, args.connections, rnd))
            for name, got in runs.items():
                results[(name, label)] = {k: statistics.median(r[k] for r in got) for k in got[0]}
    return results


def render(results: dict, servers: dict, args, version: str) -> str:
    """The markdown section."""
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Both under gunicorn, {args.workers} workers × {args.threads} threads (gthread); "
        f"wrk {wrk_version}, 2 threads, {args.connections} connections; each figure is the median "
        f"of {args.rounds} runs of {args.duration} s, alternating between the two servers (both "
        f"up, one loaded at a time; wrk shares the machine), after a 3 s warm-up. Layer `{LAYER}` (same features on both, "
        f"registry joined); bbox `{BBOX}`; the random bbox is 0.08° square, a new one per request. "
        f"pygeoapi {version} with its GeoJSON provider. geoapp keeps each page it has served "
        "for the catalog's lifetime, so repeated requests are cache hits; the random-bbox row "
        "never hits that cache.",
        "",
        "| request | server | requests/s | p50 (ms) | p99 (ms) | × pygeoapi |",
        "|---|---|---:|---:|---:|---:|",
    ]
    names = list(servers)
    for label in REQUESTS:
        base = results[(names[1], label)]["rps"]
        for name in names:
            r = results[(name, label)]
            lines.append(f"| {label} | {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{r['rps'] / base:.1f} |")  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
