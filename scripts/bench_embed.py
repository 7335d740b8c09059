"""Benchmark the news embed: bytes over the wire (compressed, no tiles) and time to draw.

Budget (issue 5): the whole /embed page with its scripts and styles under 300 KB over the wire,
drawn in under 1 s in headless chromium on this machine. The script loads each story view
several times in Debian's chromium against the app under gunicorn-like threading on
127.0.0.1, writes its section of docs/benchmarks.md, and exits 1 if a view is over budget.

Usage::

    python scripts/bench_embed.py [--runs 5] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import threading
from pathlib import Path

from werkzeug.serving import make_server

from geoapp.config import ROOT
from geoapp.web import create_app

BUDGET_BYTES = 300 * 1024
BUDGET_MS = 1000.0
VIEWS = {
    "all layers (default)": "/embed?basemap=none",
    "7 城中村 blocks": "/embed?basemap=none&projects=uv-dongku,uv-xishantou,uv-zhoutang,uv-yingjia,uv-shanheli,uv-xumatou,uv-huangtang&title=城中村改造区块",
    "ring roads, English, static": "/embed?basemap=none&layers=ring_roads,boundary&lang=en&static=true",
}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
DRAWN = "() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0"
SECTION = "## Embed page weight and draw time (scripts/bench_embed.py)"


def machine() -> str:
    """CPU model, cores, memory, Python."""
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(
        next(
            ln.split()[1]
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
    )
    return f"{cpu}, {os.cpu_count()} cores, {mem / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}"


def measure(page, url: str) -> tuple[int, float, int]:
    """(bytes over the wire, ms from navigation to the first drawn feature, requests) of one load."""
    sizes: list[int] = []

    def on_finished(request):
        s = request.sizes()
        sizes.append(s["responseBodySize"] + s["responseHeadersSize"])

    page.on("requestfinished", on_finished)
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN)
    drawn_ms = page.evaluate("performance.now()")
    page.wait_for_load_state("load")
    page.remove_listener("requestfinished", on_finished)
    return sum(sizes), drawn_ms, len(sizes)


def run(runs: int) -> list[dict]:
    """Measure every view ``runs`` times with a cold cache each time."""
    from playwright.sync_api import sync_playwright

    app = create_app({"BASEMAP": "none"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, path in VIEWS.items():
                page = browser.new_page(viewport={"width": 375, "height": 667})
                page.goto(base + path)  # warm the server's page cache, not the browser's
                page.close()
                samples = []
                for _ in range(runs):
                    ctx = browser.new_context(viewport={"width": 375, "height": 667})
                    page = ctx.new_page()
                    samples.append(measure(page, base + path))
                    ctx.close()
                results.append(
                    {
                        "view": name,
                        "bytes": max(s[0] for s in samples),
                        "requests": samples[0][2],
                        "ms_median": statistics.median(s[1] for s in samples),
                        "ms_max": max(s[1] for s in samples),
                    }
                )
            browser.close()
    finally:
        server.shutdown()
    return results


def report(results: list[dict], runs: int) -> str:
    """The markdown section."""
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} on {machine()}; Debian chromium headless, 375×667, "
        f"cold browser cache, {runs} loads per view, server on 127.0.0.1 (werkzeug, threaded), gzip on.",
        f"Budget: ≤ {BUDGET_BYTES // 1024} KB over the wire (page, scripts, styles; no tiles: `basemap=none`), "
        f"first feature drawn ≤ {BUDGET_MS:.0f} ms after navigation.",
        "",
        "| view | requests | KB over the wire | drawn, median ms | drawn, max ms | within budget |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        ok = r["bytes"] <= BUDGET_BYTES and r["ms_max"] <= BUDGET_MS
        lines.append(
            f"| {r['view']} | {r['requests']} | {r['bytes'] / 1024:.1f} | {r['ms_median']:.0f} | "
            f"{r['ms_max']:.0f} | {'yes' if ok else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace (or add) this benchmark's section, leaving the others alone."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + (old[end + 1 :] if end >= 0 else "")
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run, print, write docs/benchmarks.md; exit 1 if a view is over budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.runs)
    text = report(results, args.runs)
    print(text)
    if not args.no_write:
        write_section(text)
    over = [r for r in results if r["bytes"] > BUDGET_BYTES or r["ms_max"] > BUDGET_MS]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
