"""Serve the app with waitress, from ``geoapp serve``: slow clients cannot hold the workers.

waitress reads each request whole — headers and body, the body spooled to a temporary file past
a threshold — in one asynchronous I/O loop, and only then hands it to one of its threads. A
client that sends a header line every few seconds costs a socket, not a thread, so it cannot
starve the app (gunicorn's threaded worker gave each such client a thread of its 8).

For several processes (``--workers``) the parent binds the socket once, loads the data once and
forks the workers, which all accept on the shared socket; a worker that dies is started again.
The server's own errors (a request line or headers too large, a malformed request, a body over
the limit) answer in the app's JSON error shape under ``/api``, ``/ogc`` and ``/export``, and as a
small page elsewhere (see :class:`ShapedErrorTask`).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask

#: Close a connection that sent or accepted nothing for this many seconds.
CHANNEL_TIMEOUT = 30
#: Largest request line plus headers (bytes); larger → 431 (nginx allows 8 KB per line).
MAX_HEADER_BYTES = 32 * 1024
#: Open connections per worker before it stops accepting (idle keep-alives and slow clients).
CONNECTION_LIMIT = 1000
#: Paths whose errors are JSON (the app's own rule, geoapp.web.errors).
JSON_PREFIXES = ("/api", "/ogc", "/export", "/oembed")
CODES = {
    400: "bad_request",
    413: "payload_too_large",
    414: "uri_too_long",
    431: "header_fields_too_large",
}


def error_body(path: str, status: int, reason: str, detail: str) -> tuple[str, bytes]:
    """The content type and body of one of the server's own error answers.

    >>> error_body("/api/layers", 431, "Request Header Fields Too Large", "exceeds 32768")[1]
    b'{"error":{"code":"header_fields_too_large","message":"Request Header Fields Too Large: exceeds 32768","param":null}}'
    """
    message = f"{reason}: {detail}" if detail else reason
    if path.startswith(JSON_PREFIXES):
        err = {"code": CODES.get(status, "error"), "message": message, "param": None}
        body = json.dumps({"error": err}, ensure_ascii=False, separators=(",", ":"))
        return "application/json", body.encode("utf-8")
    page = (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        f"<title>请求有误 Bad request ({status})</title><h1>请求有误 Bad request ({status})</h1>"
        "<p>请求无法处理。The request could not be handled.</p>"
        "<p><a href='/'>返回地图 Back to the map</a></p></html>"
    )  # the detail may quote the request: it stays out of HTML
    return "text/html; charset=utf-8", page.encode("utf-8")


class Parser(HTTPRequestParser):
    """waitress's request parser, keeping the request line (waitress forgets it on a 431)."""

    line = b""
    line_done = False

    def received(self, data: bytes) -> int:
        """Note the request line (up to MAX_HEADER_BYTES), then parse as waitress does."""
        if not self.line_done:
            self.line = (self.line + data).lstrip(b"\r\n")  # blank lines may precede it
            end = self.line.find(b"\n")
            if end >= 0 or len(self.line) >= MAX_HEADER_BYTES:
                self.line_done = True
                self.line = self.line[: end if end >= 0 else MAX_HEADER_BYTES]
        return super().received(data)

    def target(self) -> tuple[str, bool]:
        """The request's path (or "" if unknown) and whether the request line was cut short."""
        parts = self.line.strip().split(b" ")
        path = parts[1].split(b"?")[0].decode("latin-1") if len(parts) > 1 else ""
        return path, b"\n" not in self.line and len(self.line) >= MAX_HEADER_BYTES


class ShapedErrorTask(ErrorTask):
    """waitress's error answer (400, 413, 431 …) in our error shape instead of plain text."""

    def execute(self) -> None:
        """Write the status, our headers and our body; a line too long is 414, not 431."""
        err = self.request.error
        path, line_too_long = self.request.target()
        code, reason = err.code, err.reason
        detail = str(err.body)
        if code == 431 and line_too_long:
            code, reason = 414, "URI Too Long"
            detail = f"the request line is over {MAX_HEADER_BYTES} bytes"
        ctype, body = error_body(path, code, reason, detail)
        self.status = f"{code} {reason}"
        self.response_headers.extend(
            [
                ("Content-Type", ctype),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    """A waitress connection whose error answers are shaped (:class:`ShapedErrorTask`)."""

    error_task_class = ShapedErrorTask
    parser_class = Parser


#: The WSGI environ key holding the connection's own peer address (the proxy's, behind one):
#: waitress rewrites ``REMOTE_ADDR`` to the forwarded client when ``TRUSTED_PROXY`` is set.
PEER = "geoapp.peer"


def keep_peer(application: Any) -> Any:
    """Wrap ``application`` so ``environ[PEER]`` keeps the address the connection came from."""

    def app(environ, start_response):
        environ[PEER] = environ.get("REMOTE_ADDR", "")
        return application(environ, start_response)

    return app


class Server(TcpWSGIServer):
    """waitress's TCP server with our channel; the peer address is kept before waitress
    translates proxy headers (the single-sign-on check needs the proxy, not the client)."""

    channel_class = Channel

    def __init__(self, application: Any, *args: Any, **kwargs: Any) -> None:
        """As waitress's server, with :func:`keep_peer` outside its proxy-header handling."""
        super().__init__(application, *args, **kwargs)
        self.application = keep_peer(self.application)


def adjustments(threads: int, max_body: int, trusted_proxy: str = "") -> Adjustments:
    """waitress's settings: timeouts, header and body limits, threads, the trusted proxy.

    ``X-Forwarded-For`` / ``-Proto`` are believed only from ``trusted_proxy`` (one hop);
    waitress removes them (and ``Forwarded``, ``X-Forwarded-Host``) from anyone else.
    """
    proxy = (
        {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
        if trusted_proxy
        else {}
    )
    return Adjustments(
        **proxy,
        threads=threads,
        channel_timeout=CHANNEL_TIMEOUT,
        connection_limit=CONNECTION_LIMIT,
        max_request_header_size=MAX_HEADER_BYTES,
        # The app answers 413 in its own shape up to MAX_CONTENT_LENGTH (it reads the declared
        # length first); waitress stops anything far larger before it is spooled to disk.
        max_request_body_size=max_body,
        ident="geoapp",
        expose_tracebacks=False,
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.set_inheritable(True)
    return sock


def run_worker(app: Any, sock: socket.socket, adj: Adjustments) -> None:
    """Serve ``app`` on ``sock`` in this process until it is told to stop."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
    server = Server(app, {}, True, sock, adj=adj, bind_socket=False, sockinfo=sockinfo)
    server.run()


def _fork_worker(app: Any, sock: socket.socket, adj: Adjustments) -> int:
    pid = os.fork()
    if pid == 0:  # the worker
        code = 0
        try:
            run_worker(app, sock, adj)
        except BaseException:  # noqa: BLE001 - a worker never returns into the parent's code
            code = 1
        os._exit(code)
    return pid


def supervise(app: Any, sock: socket.socket, adj: Adjustments, workers: int) -> None:
    """Fork ``workers`` processes on the shared socket; restart one that dies; stop on a signal.

    Before forking, everything the parent loaded is moved out of the garbage collector's reach
    (``gc.freeze``): a collection in a worker would otherwise write to every object's header
    and so copy every shared page of the catalog into each worker."""
    gc.collect()
    gc.freeze()
    children = {_fork_worker(app, sock, adj) for _ in range(workers)}
    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if not stopping:
            print(f"worker {pid} exited; starting another", file=sys.stderr, flush=True)
            children.add(_fork_worker(app, sock, adj))


def warm_up(catalog: Any) -> None:
    """Build what every worker needs once, before forking, so the workers share it (copy on
    write) and no first request pays for it: the R-tree over every feature, each tiled layer's
    tile index and its tiles up to zoom 12 (the dense ones, 80–150 ms each to make at 100k
    parcels and more), and one small picture (the CJK font is parsed here, a
    second of CPU). The picture draws the smallest layer only: the default view would draw
    every feature of every layer (a big layer's whole load)."""
    from geoapp.embed_params import parse_embed_args
    from geoapp.map_layers import layer_source
    from geoapp.picture import CJKFontMissing, render_picture
    from geoapp.tiles import tileset_for

    catalog.index  # noqa: B018 - a cached property: built here, once
    for lid in catalog.layers:
        if layer_source(catalog, lid) == "tiles":
            tileset_for(catalog).prebuild(lid)  # builds its tile index and its low-zoom tiles
    smallest = min(catalog.layers, key=lambda lid: len(catalog.layers[lid]))
    args = {"width": "100", "height": "100", "dpi": "72", "layers": smallest}
    view = parse_embed_args(args, catalog)
    try:
        render_picture(catalog, view, "png")
    except CJKFontMissing:  # pictures answer with the message; the map still works
        pass


def serve(config: dict[str, Any], host: str, port: int, workers: int, threads: int) -> None:
    """Load the data once (so a bad file stops start-up with a clear message), then serve."""
    from geoapp.web import create_app
    from geoapp.web.limits import BODY_LIMITS
    from geoapp.web.security import LOOPBACK_HOSTS, host_list
    from geoapp.web.state import get_catalog

    if host not in ("0.0.0.0", "::", *LOOPBACK_HOSTS):  # the address it listens on is its name
        config = {**config, "TRUSTED_HOSTS": [*host_list(config.get("TRUSTED_HOSTS")), host]}
    elif host in ("0.0.0.0", "::") and not (
        config.get("TRUSTED_HOSTS") or config.get("PUBLIC_URL")
    ):
        print(
            "geoapp: warning: only localhost names are answered; set PUBLIC_URL or "
            "TRUSTED_HOSTS to the name clients use (docs/deployment.md)",
            file=sys.stderr,
            flush=True,
        )
    app = create_app(config)
    with app.app_context():
        warm_up(get_catalog())
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(
        f"geoapp: serving on http://{shown}:{bound_port}/ "
        f"({workers} worker(s) × {threads} threads, waitress)",
        flush=True,
    )
    # waitress stops bodies over the largest any route takes; the app checks each route's own
    max_body = max(4 * app.config["MAX_CONTENT_LENGTH"],
                   *(limit(app.config) for limit in BODY_LIMITS.values()))  # fmt: skip
    adj = adjustments(threads, max_body, app.config.get("TRUSTED_PROXY") or "")
    if workers <= 1:
        run_worker(app, sock, adj)
    else:
        supervise(app, sock, adj, workers)
