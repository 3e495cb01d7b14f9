"""A forwarding HTTP proxy on loopback, as a corporate network has one: it takes requests for
absolute URLs, forwards them and sends the answers back, recording what it carried.

Hosts under ``.invalid`` (which no resolver knows) are reached through ``routes`` (host name to
a loopback base URL): a client that gets a scene from ``http://assets.firstlight.invalid/`` can
only have gone through the proxy. With ``login``, requests without that ``Proxy-Authorization``
get 407.
"""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Hosts the tests put a scene on: no resolver knows them, so only the proxy reaches them.
ASSETS = "assets.firstlight.invalid"
STAC = "stac.firstlight.invalid"
# Hop-by-hop headers, which a proxy does not pass on.
_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass
class HttpProxy:
    url: str
    carried: list[tuple[str, str]] = field(default_factory=list)  # (method, absolute URL)


@contextmanager
def http_proxy(routes: dict[str, str], login: tuple[str, str] | None = None) -> Iterator[HttpProxy]:
    """Run the proxy; yields it (``url``: ``http://127.0.0.1:<port>``, without the login)."""
    state = HttpProxy("")
    lock = threading.Lock()
    expected = "Basic " + base64.b64encode(":".join(login).encode()).decode() if login else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            target = urlsplit(self.path)
            if not target.scheme or not target.hostname:
                self.send_error(400, "not a proxy request")
                return
            if expected is not None and self.headers.get("Proxy-Authorization") != expected:
                self.send_response(407)
                self.send_header("Proxy-Authenticate", 'Basic realm="test"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with lock:
                state.carried.append((self.command, self.path))
            base = urlsplit(routes.get(target.hostname, f"{target.scheme}://{target.netloc}"))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["Host"] = base.netloc
            upstream = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
            try:
                path = target.path or "/"
                upstream.request(
                    self.command, path + (f"?{target.query}" if target.query else ""), body, headers
                )
                answer = upstream.getresponse()
                data = answer.read()
            finally:
                upstream.close()
            self.send_response(answer.status, answer.reason)
            for key, value in answer.getheaders():
                if key.lower() not in _HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="test-proxy", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
