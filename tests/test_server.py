"""``geoapp serve`` as clients meet it: the real server in a subprocess on a free loopback port."""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from geoapp.config import ROOT

START_TIMEOUT = 90


def start_server(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """Run ``geoapp serve --port 0 ARGS`` and return the process and the port it printed."""
    cmd = [sys.executable, "-m", "geoapp.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen(
        [*cmd, "--basemap", "none", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=full_env,
        text=True,
    )
    line = proc.stdout.readline()  # the first line says where it listens
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise AssertionError(f"geoapp serve did not start: {line}{proc.stdout.read()}")
    proc.drain = threading.Thread(target=proc.stdout.read, daemon=True)  # the log
    proc.drain.start()
    port = int(match.group(1))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            get(port, "/api/layers")
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("geoapp serve does not answer")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server and its workers (SIGTERM to the parent stops them all)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hung server still goes away
        proc.kill()
        proc.wait()
    proc.drain.join(timeout=20)
    proc.stdout.close()


def get(port: int, path: str, headers: dict | None = None, timeout: float = 10):
    """GET ``path``: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    """The real ``geoapp serve`` (2 workers × 4 threads) on the bundled data."""
    proc, port = start_server("--workers", "2", "--threads", "4")
    try:
        yield port
    finally:
        stop_server(proc)


def raw(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send raw bytes (stopping once the server answers); the status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for start in range(0, len(request), 4096):
            sock.sendall(request[start : start + 4096])
            if select.select([sock], [], [], 0.05)[0]:
                break  # it answered before reading the rest (a request too large)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


NORMAL = ["/", "/api/layers/parks?limit=1", "/ogc/collections/parks/items?limit=2", "/progress"]


def test_slow_header_clients_do_not_hold_the_server(server):
    """64 connections trickling headers stay open while 100 normal requests each take < 2 s."""
    for _ in range(6):  # both workers build their cached pages first
        for path in NORMAL:
            assert get(server, path, timeout=60)[0] == 200
    slow = []
    for i in range(64):
        sock = socket.create_connection(("127.0.0.1", server), timeout=10)
        sock.sendall(
            f"GET /api/layers/parks?limit=1&slow={i} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        )
        slow.append(sock)
    stop = threading.Event()

    def trickle():
        n = 0
        while not stop.wait(1.0):
            n += 1
            for sock in slow:
                sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        time.sleep(2)  # the slow clients are well into their headers

        def timed(i: int) -> tuple[int, float]:
            start = time.monotonic()
            status = get(server, NORMAL[i % len(NORMAL)], timeout=5)[0]
            return status, time.monotonic() - start

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(timed, range(100)))
    finally:
        stop.set()
        trickler.join()
    assert [status for status, _ in results] == [200] * 100
    slowest = max(seconds for _, seconds in results)
    assert slowest < 2.0, f"slowest normal request took {slowest:.2f} s"
    # The slow clients were held open, not dropped: each now finishes and gets its answer.
    for sock in slow:
        sock.sendall(b"Connection: close\r\n\r\n")
    for sock in slow:
        with sock:
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n")


BIG = "a" * 40000


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (f"GET /api/layers HTTP/1.1\r\nHost: x\r\nX-Big: {BIG}\r\n\r\n", "431", "header_fields_too_large"),
        (f"GET /ogc/collections?q={BIG} HTTP/1.1\r\nHost: x\r\n\r\n", "414", "uri_too_long"),
        ("GET /api/layers HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", "400", "bad_request"),
    ],
    ids=["431-headers", "414-request-line", "400-malformed"],
)  # fmt: skip
def test_server_errors_under_api_are_json(server, request_bytes, status, code):
    """The server's own 400/414/431 are the app's JSON error shape under /api and /ogc."""
    status_line, headers, body = raw(server, request_bytes.encode())
    assert status_line.split(" ")[1] == status
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    err = json.loads(body)["error"]
    assert (err["code"], err["param"]) == (code, None)


def test_server_errors_on_pages_are_a_page_with_a_way_back(server):
    """Elsewhere the same errors are a small bilingual page that links back to the map."""
    status_line, headers, body = raw(server, f"GET /?x={BIG} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_line.split(" ")[1] == "414"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    assert "请求有误 Bad request (414)" in text
    assert "<a href='/'>返回地图 Back to the map</a>" in text
    assert BIG[:100] not in text  # nothing of the request is echoed


def probe_while(path: str, port: int, busy, every: float = 0.1, least: float = 5.0) -> list:
    """GET ``path`` every ``every`` s (each in its own thread, open loop) while ``busy()`` and
    for at least ``least`` s: the latency of each (a stalled server counts once per probe)."""
    latencies: list[float] = []

    def one() -> None:
        start = time.monotonic()
        assert get(port, path, timeout=120)[0] == 200
        latencies.append(time.monotonic() - start)

    probes, began = [], time.monotonic()
    while busy() or time.monotonic() - began < least:
        probes.append(threading.Thread(target=one))
        probes[-1].start()
        time.sleep(every)
    for probe in probes:
        probe.join()
    assert len(latencies) == len(probes)
    return latencies


def test_picture_flood_leaves_the_api_responsive(server):
    """32 clients asking for about 4000×4000 px at 600 dpi at once (each a different width, so no
    drawn map is re-used: a new title alone would re-use one) while the
    API keeps answering with p99 under 1 s; pictures beyond the slots are 503 + Retry-After."""
    parks = "/api/layers/parks?limit=1"
    assert get(server, parks)[0] == 200
    big = "/embed.png?layers=parks,urban_villages&width={}&height=4000&dpi=600&title=flood"
    answers: list = []

    def picture(i: int) -> None:
        answers.append(get(server, big.format(4000 - i), timeout=120))

    threads = [threading.Thread(target=picture, args=(i,)) for i in range(32)]
    for thread in threads:
        thread.start()
    latencies = probe_while(
        parks, server, lambda: any(thread.is_alive() for thread in threads), every=0.05
    )
    for thread in threads:
        thread.join()
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
    assert p99 < 1.0, f"p99 of {len(latencies)} API requests during the flood: {p99:.2f} s"
    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) == {200, 503}, statuses
    for status, headers, body in answers:
        if status == 200:
            assert body.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert headers["Retry-After"] == "5"
            assert json.loads(body)["error"]["code"] == "busy"


EVIL = "evil.example.com"
PAGES = [
    "/", "/?lang=en", "/embed", "/embed?layers=parks&lang=en", "/embed/builder", "/progress",
    "/projects/uv-dongku", "/api/layers", "/api/openapi.json", "/api/docs", "/ogc/",
    "/ogc/collections", "/ogc/collections/parks/items?limit=1", "/export/",
    "/oembed?url=http%3A%2F%2F{host}%2Fembed",
]  # fmt: skip


def test_a_forged_host_never_reaches_a_later_response(server):
    """Host: evil.example.com is 400 everywhere; forwarded-host headers from a client are
    ignored; no later answer (cached pages included) carries the forged name."""
    forged = [
        {"Host": EVIL},
        {"Host": f"{EVIL}:{server}"},
        {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"},
        {"Forwarded": f"host={EVIL};proto=https"},
    ]
    own = f"127.0.0.1%3A{server}"
    for _ in range(3):  # reach both workers
        for path in PAGES:
            for headers in forged:
                url = path.format(host=own)
                status, resp_headers, body = get(server, url, headers=headers, timeout=60)
                expected = 400 if "Host" in headers else 200
                assert status == expected, (path, headers)
                assert EVIL.encode() not in body
    for path in PAGES:
        for host in (f"127.0.0.1:{server}", f"localhost:{server}"):
            url = path.format(host=host.replace(":", "%3A"))
            for _ in range(3):
                status, headers, body = get(server, url, headers={"Host": host}, timeout=60)
                assert status == 200, path
                assert EVIL.encode() not in body, path
                assert EVIL not in repr(headers), path


def test_an_untrusted_host_is_400_in_the_error_shape(server):
    """The refusal is the JSON shape under /api and /ogc and a page for a browser elsewhere."""
    status, headers, body = get(server, "/api/layers", headers={"Host": EVIL})
    assert (status, json.loads(body)) == (
        400,
        {
            "error": {
                "code": "bad_host",
                "message": "this server does not answer for that host name",
                "param": None,
            }
        },
    )
    status, headers, body = get(server, "/", headers={"Host": EVIL, "Accept": "text/html"})
    assert status == 400
    assert headers["Content-Type"].startswith("text/html")


def _whoami(port: int, headers: dict[str, str]) -> int:
    """The status of ``/review`` as JSON with ``headers`` (200 signed in as a reviewer, 401 not)."""
    status, _, _ = get(port, "/review", {"Accept": "application/json", **headers})
    return status


@pytest.mark.parametrize("sso_proxies", ["127.0.0.1", "10.0.0.5"])
def test_single_sign_on_behind_the_trusted_proxy(tiny, sso_proxies):
    """Behind the proxy, the SSO header is believed from the proxy (the connection's peer), not
    from whatever client address the proxy forwards — which a client can also forge."""
    from geoapp.store import open_store
    from geoapp.store.accounts import add_user

    data, layers = tiny
    add_user(open_store({"DATA_DIR": str(data)}), "zhao", "reviewer", "规划局", None, "admin")
    env = {"GEOAPP_DATA_DIR": str(data), "GEOAPP_LAYERS_DIR": str(layers),
           "GEOAPP_TRUSTED_PROXY": "127.0.0.1", "GEOAPP_SSO_HEADER": "X-Remote-User",
           "GEOAPP_SSO_TRUSTED_PROXIES": sso_proxies}  # fmt: skip
    proc, port = start_server("--workers", "1", env=env)
    try:
        sso = {"X-Remote-User": "zhao", "X-Forwarded-For": "10.0.0.5"}
        proxied = {"X-Remote-User": "zhao", "X-Forwarded-For": "203.0.113.9"}
        if sso_proxies == "127.0.0.1":  # the proxy is the SSO proxy: its users are signed in
            assert _whoami(port, proxied) == 200
            assert _whoami(port, {"X-Forwarded-For": "203.0.113.9"}) == 401
        else:  # a forwarded address equal to an SSO proxy's is not that proxy
            assert _whoami(port, sso) == 401
            assert _whoami(port, proxied) == 401
    finally:
        stop_server(proc)


def test_warm_up_builds_the_rtree_and_the_tile_indexes_before_the_fork(tiny, monkeypatch):
    """What the workers would each build on their first query or tile is built once in the
    parent (shared after the fork): the R-tree and the tile index of every tiled layer."""
    from geoapp import map_layers
    from geoapp.catalog import load_catalog
    from geoapp.tiles import tileset_for
    from geoapp.web.server import warm_up

    data, layers = tiny
    catalog = load_catalog(data, layers)
    monkeypatch.setattr(map_layers, "TILE_THRESHOLD", 1)  # layers of 2+ features are tiled
    warm_up(catalog)
    assert "index" in catalog.__dict__
    tiled = {lid for lid, gdf in catalog.layers.items() if len(gdf) > 1}
    assert tiled and set(tileset_for(catalog)._layers) == tiled


def test_warm_up_makes_a_tiled_layers_low_zoom_tiles(tiny, monkeypatch):
    """The tiles up to zoom 12 of a tiled layer are made before the fork: the first request of
    one of them (the dense ones cost up to 150 ms at 1M parcels) is a cache hit."""
    import morecantile

    import geoapp.tiles
    from geoapp import map_layers
    from geoapp.catalog import load_catalog
    from geoapp.tiles import tileset_for
    from geoapp.web.server import warm_up

    data, layers = tiny
    catalog = load_catalog(data, layers)
    monkeypatch.setattr(map_layers, "TILE_THRESHOLD", 1)
    rendered: list[tuple] = []
    real = geoapp.tiles.render_tile

    def counting(layer, layer_id, z, y, x, tms_id="WebMercatorQuad"):
        rendered.append((layer_id, z, y, x))
        return real(layer, layer_id, z, y, x, tms_id)

    monkeypatch.setattr(geoapp.tiles, "render_tile", counting)
    warm_up(catalog)
    x0, y0, x1, y1 = catalog.layers["urban_villages"].total_bounds
    tms = morecantile.tms.get("WebMercatorQuad")
    expected = {("urban_villages", t.z, t.y, t.x) for t in tms.tiles(x0, y0, x1, y1, range(13))}
    assert {r for r in rendered if r[0] == "urban_villages"} == expected
    rendered.clear()
    z12 = next(t for t in expected if t[1] == 12)
    assert tileset_for(catalog).tile(*z12) != b""
    z13 = tms.tile((x0 + x1) / 2, (y0 + y1) / 2, 13)
    tileset_for(catalog).tile("urban_villages", 13, z13.y, z13.x)
    assert rendered == [("urban_villages", 13, z13.y, z13.x)]  # only the one not made before
