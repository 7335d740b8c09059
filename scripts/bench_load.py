"""Load on the real server: requests per second and p99 latency under 16 and 64 connections.

Starts ``geoapp serve`` (waitress, 2 workers × 4 threads, the bundled data, no basemap) on a free
loopback port, warms every URL in both workers, then runs Debian's ``wrk`` against

- ``/``                       the full map page (cached; gzip, as browsers ask),
- an API bbox query           ``/api/layers/urban_villages?bbox=…`` (gzip),
- OGC items                   ``/ogc/collections/ring_roads/items?limit=100`` (gzip),
- a cached picture            ``/embed.png?layers=urban_villages`` (1200 × 900 px),

for ``--seconds`` each at 16 and 64 connections, and prints a Markdown table for
docs/benchmarks.md with the memory (proportional set size of the parent and its workers, from
``/proc/<pid>/smaps_rollup``) before and after. ``wrk`` comes from Debian:
``apt-get install wrk``.

    python scripts/bench_load.py [--seconds 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLS = {
    "`/` (map page)": "/",
    "API bbox query": "/api/layers/urban_villages?bbox=120.00,28.85,120.10,28.95",
    "OGC items (100)": "/ogc/collections/ring_roads/items?limit=100",
    "cached picture": "/embed.png?layers=urban_villages",
}
CONNECTIONS = (16, 64)


def start(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """``geoapp serve --port 0``; the process and its port (from its first line)."""
    cmd = [sys.executable, "-m", "geoapp.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, "--basemap", "none", "--workers", "2", "--threads", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()
    match = re.search(r":(\d+)/", line)
    if not match:
        proc.kill()
        sys.exit(f"geoapp serve did not start: {line}")
    return proc, int(match.group(1))


def fetch(port: int, path: str) -> int:
    """GET once (gzip); the status."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        resp.read()
        return resp.status


def memory_mb(pid: int) -> float:
    """Proportional set size of ``pid`` and its children (shared pages split between them)."""
    pids = [pid] + [
        int(p)
        for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if Path(f"/proc/{p}").exists()
    ]
    total = 0
    for p in pids:
        text = Path(f"/proc/{p}/smaps_rollup").read_text()
        total += int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))
    return total / 1024


def wrk(port: int, path: str, connections: int, seconds: int, threads: int) -> dict:
    """One wrk run: requests/s, p99 in ms, non-2xx answers, socket errors."""
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "--timeout", "30s", "-H", "Accept-Encoding: gzip", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p99": float(p99.group(1)) * scale,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1).strip() if errors else "",
    }


def machine() -> str:
    """CPU, cores, memory, OS and Python, for the record."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return (
        f"{cpu} ({os.cpu_count()} cores, {mem / 1024 / 1024:.1f} GiB RAM), "
        f"{platform.platform()}, Python {platform.python_version()}"
    )


def main() -> None:
    """Run the matrix and print the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per run (default 10)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc, port = start(env)
    try:
        for _ in range(8):  # both workers draw the picture and build the page once
            for path in URLS.values():
                assert fetch(port, path) == 200, path
        before = memory_mb(proc.pid)
        rows = []
        for name, path in URLS.items():
            for c in CONNECTIONS:
                r = wrk(port, path, c, args.seconds, args.threads)
                rows.append((name, c, r))
                print(f"{name} c={c}: {r}", file=sys.stderr, flush=True)
        after = memory_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    load = os.getloadavg()
    print(f"Run {dt.date.today().isoformat()} on {machine()}.\n")
    print(
        f"`geoapp serve` (waitress, 2 workers × 4 threads), bundled data, `wrk -t{args.threads}` for "
        f"{args.seconds} s per row with `Accept-Encoding: gzip`. Load average at the end: "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.\n"
    )
    print("| request | connections | req/s | p99 | non-2xx | socket errors |")
    print("|---|---:|---:|---:|---:|---|")
    for name, c, r in rows:
        print(
            f"| {name} | {c} | {r['rps']:,.0f} | {r['p99']:,.1f} ms | {r['non2xx']} | "
            f"{r['errors'] or '–'} |"
        )
    print(
        f"\nMemory (PSS of the parent and both workers): {before:.0f} MB after warm-up, "
        f"{after:.0f} MB after the runs."
    )


if __name__ == "__main__":
    main()
