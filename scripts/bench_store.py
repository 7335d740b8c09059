"""Benchmark the store on both backends: updates per second (propose + approve) and read latency
while a writer is busy.

    python scripts/bench_store.py [--pairs 60] [--seconds 8] [--database-url postgresql://…]

Without ``--database-url`` a throw-away PostgreSQL + PostGIS is started as in the tests (needs
Debian ``postgresql-15-postgis-3``). Each backend gets a fresh copy of the bundled data.
Reads are ``GET /api/projects/<id>`` through the app (the catalog snapshot) and a store query
(the pending queue), timed in a reader thread while a writer proposes and approves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp.store.accounts import add_user  # noqa: E402
from geoapp.store.records import approve, list_updates, propose  # noqa: E402
from geoapp.web import create_app  # noqa: E402
from geoapp.web.state import store_of  # noqa: E402

FIELDS = {
    "project_id": "beisanhuan", "status": "under_construction", "date": "2025-06-01", "kind": "report",
    "source_title": "北三环工程进度通报", "source_publisher": "永康市交通运输局", "source_date": "2025-06-02",
}  # fmt: skip


def pairs_per_second(store, planner, reviewer, n: int) -> float:
    """Propose and approve ``n`` updates one after another; pairs per second."""
    start = time.perf_counter()
    for i in range(n):
        u = propose(store, planner, {**FIELDS, "note": f"bench {i}"})
        approve(store, reviewer, u["update_id"])
    return n / (time.perf_counter() - start)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def reads_while_writing(app, store, planner, reviewer, seconds: float) -> dict:
    """Latency (ms) of app and store reads while a writer proposes and approves."""
    stop, writes = threading.Event(), [0]

    def writer() -> None:
        while not stop.is_set():
            u = propose(store, planner, {**FIELDS, "note": "w"})
            approve(store, reviewer, u["update_id"])
            writes[0] += 1

    client = app.test_client()
    api, queue = [], []
    thread = threading.Thread(target=writer)
    thread.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        assert client.get("/api/projects/beisanhuan").status_code == 200
        t1 = time.perf_counter()
        list_updates(store, "pending")
        t2 = time.perf_counter()
        api.append((t1 - t0) * 1000)
        queue.append((t2 - t1) * 1000)
    stop.set()
    thread.join()
    return {
        "writes": writes[0] / seconds,
        "api_p50": statistics.median(api), "api_p95": percentile(api, 0.95), "api_max": max(api),
        "store_p50": statistics.median(queue), "store_p95": percentile(queue, 0.95),
        "reads": len(api),
    }  # fmt: skip


def run(name: str, url: str, pairs: int, seconds: float) -> dict:
    """One backend over a fresh copy of the bundled data."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*"))
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "BASEMAP": "none"})
    store = store_of(app)
    planner = add_user(store, "planner", "planner", "住建局", None, "bench")
    reviewer = add_user(store, "reviewer", "reviewer", "规划局", None, "bench")
    with app.app_context():
        app.test_client().get("/api/projects/beisanhuan")  # first catalog load
    result = {"backend": name, "pairs_per_s": pairs_per_second(store, planner, reviewer, pairs)}
    result.update(reads_while_writing(app, store, planner, reviewer, seconds))
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    """Run both backends and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--database-url", help="an existing PostgreSQL (default: start one)")
    args = parser.parse_args()
    if args.database_url:
        server = nullcontext(args.database_url)
    else:
        sys.path.insert(0, str(ROOT))
        from tests.postgres import postgres_server

        server = postgres_server()
    rows = [run("SQLite (embedded)", "", args.pairs, args.seconds)]
    with server as url:
        if not args.database_url:
            from tests.postgres import fresh_database

            url = fresh_database(url)
        rows.append(run("PostgreSQL 15 + PostGIS", url, args.pairs, args.seconds))
    print(f"{platform.node()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, {dt.date.today()}")  # fmt: skip
    print("| backend | propose+approve /s | writes/s while read | GET /api/projects p50 / p95 / max ms "
          "| pending queue p50 / p95 ms | reads |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['pairs_per_s']:.1f} | {r['writes']:.1f} | "
              f"{r['api_p50']:.1f} / {r['api_p95']:.1f} / {r['api_max']:.0f} | "
              f"{r['store_p50']:.2f} / {r['store_p95']:.2f} | {r['reads']} |")  # fmt: skip


if __name__ == "__main__":
    main()
