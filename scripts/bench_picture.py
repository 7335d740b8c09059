"""Benchmark the print picture: a new map against a title change that re-uses the drawn map.

``/embed.png`` keeps untitled maps (``geoapp.picture_maps``): a picture that differs from one
already drawn only in its ``title`` draws the title band and encodes the PNG, not the map.
This script times both for every layer at a small and at the largest picture size, in this
process (no server), and prints a Markdown table for docs/benchmarks.md.

Usage::

    python scripts/bench_picture.py [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time

from geoapp.cache import Cache
from geoapp.catalog import load_catalog
from geoapp.config import ROOT
from geoapp.embed_params import EmbedView
from geoapp.picture import render_picture

SIZES = [(1200, 900, 150), (4000, 4000, 600)]


def _time(build) -> float:
    """Seconds one call of ``build`` takes."""
    start = time.perf_counter()
    build()
    return time.perf_counter() - start


def main() -> None:
    """Time new maps and title changes at each size; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    catalog = load_catalog(ROOT / "data", ROOT / "layers")
    layers = tuple(catalog.defs)
    render_picture(catalog, EmbedView(layers=layers, width=200, height=200, dpi=72))  # font
    print(f"{dt.date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("| picture | new map (s, median) | title change (s, median) |\n|---|---:|---:|")
    for width, height, dpi in SIZES:

        def view(title: str, w=width, h=height, d=dpi) -> EmbedView:
            return EmbedView(layers=layers, width=w, height=h, dpi=d, title=title)

        new = [_time(lambda i=i: render_picture(catalog, view(f"n{i}"), "png", Cache(1)))
               for i in range(runs)]  # fmt: skip
        maps = Cache(2)
        render_picture(catalog, view("first"), "png", maps)
        retitled = [_time(lambda i=i, m=maps: render_picture(catalog, view(f"t{i}"), "png", m))
                    for i in range(runs)]  # fmt: skip
        print(f"| {width}×{height} px, {dpi} dpi, all layers | "
              f"{statistics.median(new):.2f} | {statistics.median(retitled):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
