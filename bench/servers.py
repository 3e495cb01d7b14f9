"""Loopback servers of the benchmark: nginx (Debian) serving the COGs like object storage, and
``rustac serve`` for the STAC API. Standard library only.

nginx listens on three ports, one per network variant:

- ``throttled``: 40 MiB/s per connection (``limit_rate``; ``sendfile_max_chunk`` lowered to 84 kB,
  or each 2 MiB chunk of a small range read leaves at loopback speed);
- ``latency``: the same plus 50 ms before the first byte of every request (Lua ``ngx.sleep``);
- ``fast``: unthrottled loopback.

One worker process per core (``worker_processes auto``, as Debian's own nginx.conf has it), each
with its own listening socket (``reuseport``): a worker paces its connections from one event
loop, and the time it spends sending to all of them is added to every connection's wait. With one
worker, 24 curl range reads at once got 77 % of 40 MiB/s each (one alone 97 %); with two on this
2-core machine, 85 %. Without ``reuseport`` the workers race for each new connection, and two
workers made the 5 and 20 km clips 20-70 % slower.

Every request is logged with its connection serial number (counted across workers), so bytes,
requests and the connections a tool used are counted from the log between two marks.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

RATE = 40 * 1024 * 1024  # bytes per second per connection, "object storage"
LATENCY_S = 0.05
VARIANTS = ("throttled", "latency", "fast")
LUA_MODULES = ("/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so")

_CONF = """\
{modules}
daemon off;
master_process on;
worker_processes auto;
user root;
error_log {work}/error.log warn;
pid {work}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/tmp; proxy_temp_path {work}/tmp; fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp; scgi_temp_path {work}/tmp;
    log_format bench '$msec $connection $status $body_bytes_sent $server_port "$http_range" $uri';
    types {{ image/tiff tif; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 60s;
{servers}
}}
"""

_SERVER = """\
    server {{
        listen 127.0.0.1:{port} reuseport;
        root {root};
        access_log {work}/access.log bench;
        location / {{
{rules}
        }}
    }}
"""


@dataclass
class Request:
    time: float
    connection: int
    status: int
    bytes: int
    port: int
    range: str
    path: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_http(url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error answer: the server is up
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.05)


class Nginx:
    """nginx on three loopback ports over ``root``; ``mark()`` / ``since(mark)`` read the log."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root, self.work = root, work
        self.ports = {variant: free_port() for variant in VARIANTS}
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, variant: str, name: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[variant]}/{name}"

    def __enter__(self) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.work.mkdir(parents=True, exist_ok=True)
        (self.work / "tmp").mkdir(exist_ok=True)
        (self.work / "access.log").write_bytes(b"")
        rules = {
            "throttled": [f"limit_rate {RATE};", "sendfile_max_chunk 84k;"],
            "latency": [
                f"limit_rate {RATE};",
                "sendfile_max_chunk 84k;",
                f"access_by_lua_block {{ ngx.sleep({LATENCY_S}) }}",
            ],
            "fast": [],
        }
        servers = "".join(
            _SERVER.format(
                port=self.ports[variant],
                root=self.root,
                work=self.work,
                rules="\n".join(" " * 12 + rule for rule in rules[variant]),
            )
            for variant in VARIANTS
        )
        modules = "\n".join(f"load_module {m};" for m in LUA_MODULES)
        conf = self.work / "nginx.conf"
        conf.write_text(_CONF.format(modules=modules, work=self.work, servers=servers))
        self.process = subprocess.Popen(
            [binary, "-p", str(self.work), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "stderr.log").open("wb"),
        )
        for variant in VARIANTS:
            try:
                _wait_http(self.url(variant))
            except RuntimeError:
                self.__exit__()
                log = (self.work / "stderr.log").read_text() + (self.work / "error.log").read_text()
                raise RuntimeError(f"nginx did not start: {log[-1500:]}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def mark(self) -> int:
        return (self.work / "access.log").stat().st_size

    def since(self, mark: int) -> list[Request]:
        with (self.work / "access.log").open("rb") as handle:
            handle.seek(mark)
            lines = handle.read().decode().splitlines()
        requests = []
        for line in lines:
            stamp, connection, status, sent, port, rest = line.split(" ", 5)
            quoted, _, path = rest.rpartition(" ")
            requests.append(
                Request(
                    float(stamp), int(connection), int(status), int(sent), int(port), quoted.strip('"'), path
                )
            )
        return requests


class Rustac:
    """``rustac serve`` over an ItemCollection file."""

    def __init__(self, executable: str, items: list[dict], work: Path) -> None:
        self.executable, self.items, self.work = executable, items, work
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Rustac:
        self.work.mkdir(parents=True, exist_ok=True)
        path = self.work / "items.json"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": self.items}))
        self.process = subprocess.Popen(
            [self.executable, "serve", "--addr", f"127.0.0.1:{self.port}", "--create-collections", str(path)],
            stdout=(self.work / "rustac.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_http(self.url + "/")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
