"""Byte-range GETs over kept-alive ``http.client`` connections: the hot loop of clips and downloads.

requests spends about a quarter of a millisecond of CPU on each request (session, adapter, hooks,
urllib3's pool) where ``http.client`` spends a tenth of that. A clip makes dozens of range requests
and a whole-scene download hundreds, all under one interpreter lock on a laptop's few cores, so
plain range GETs go through this client: one connection per worker thread and server, reused for
every request of the call. What is not a plain GET stays with requests (download.http_get): a URL
that goes through a proxy, and any redirect.

TLS is verified as requests verifies it: against ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when
set, else requests' own bundle, with the host name checked. A server's address that does not
connect within a second gives way to its next one, as on the burst loop; ``QuickAdapter`` does
the same for requests (the catalog's API, a proxy, a redirect). A connect still pending gives up
within a tenth of a second once the call is cancelled (``stop``), as the burst loop's do.
"""

from __future__ import annotations

import errno
import functools
import http.client
import math
import os
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .proxy import Proxy, proxies_for

FALLBACK_S = 1.0  # a connect still pending this long gives way to the server's next address
_TICK_S = 0.1  # how often a pending connect looks at ``stop``
_REDIRECTS = (301, 302, 303, 307, 308)
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
_Key = tuple[str, str, int | None]  # scheme, host, port


class Stopped(ConnectionAbortedError):
    """A connect given up because its ``stop`` was set: the caller's cancel, which it then reports."""


def connect_quickly(
    address: tuple[str, int],
    timeout: float | None,
    source_address: tuple[str, int] | None = None,
    stop: threading.Event | None = None,
) -> socket.socket:
    """``socket.create_connection``, but every address of the name but its last has at most
    FALLBACK_S to connect, not the whole timeout (None: no timeout): an IPv6 address without a
    route would otherwise cost the whole timeout on every new connection. Once ``stop`` is set a
    pending connect raises Stopped (an OSError), and no other address is tried."""
    found = socket.getaddrinfo(*address, type=socket.SOCK_STREAM)
    error: OSError = OSError(f"{address[0]} has no address")
    for index, (family, kind, protocol, _, where) in enumerate(found):
        sock = socket.socket(family, kind, protocol)
        try:
            if source_address is not None:
                sock.bind(source_address)
            limit = timeout if index == len(found) - 1 else min(timeout or FALLBACK_S, FALLBACK_S)
            _connect(sock, where, limit, stop)
        except Stopped:
            sock.close()
            raise
        except OSError as failed:
            sock.close()
            error = failed
            continue
        sock.settimeout(timeout)
        return sock
    raise error


def _connect(sock: socket.socket, where: Any, limit: float | None, stop: threading.Event | None) -> None:
    """``sock.connect(where)`` within ``limit`` seconds (None: no limit). With ``stop``, a connect
    still pending after a tick goes on in ticks that look at it: a cancel shuts a connected socket
    down from its own thread, but not one still connecting, and a server whose firewall drops the
    connection's first packet (or a host gone from the network) would hold a cancel for the whole
    timeout."""
    if stop is None or (limit is not None and limit <= _TICK_S):
        sock.settimeout(limit)
        sock.connect(where)
        return
    sock.settimeout(_TICK_S)
    try:
        sock.connect(where)  # most connect within the tick, in the socket module's own wait
    except TimeoutError:  # the connect goes on
        _connected(sock, None if limit is None else limit - _TICK_S, stop)


def _connected(sock: socket.socket, limit: float | None, stop: threading.Event) -> None:
    """Wait for a connect under way to end, within ``limit`` seconds, as long as ``stop`` is not set."""
    deadline = math.inf if limit is None else time.monotonic() + limit
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)  # writable once connected or refused
        while not selector.select(max(0.0, min(_TICK_S, deadline - time.monotonic()))):
            if stop.is_set():
                raise Stopped(errno.ECONNABORTED, "the connect was given up: the download was cancelled")
            if time.monotonic() >= deadline:
                raise TimeoutError(errno.ETIMEDOUT, "timed out")
    failure = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if failure:
        raise OSError(failure, os.strerror(failure))


class QuickConnect:
    """Mixin for urllib3's connection classes: connect as ``connect_quickly`` does. urllib3 gives
    every address of a name the whole timeout: behind an IPv6 that drops packets, each new
    connection of a catalog search would wait 30 s before trying IPv4. ``connect_stop()`` gives the
    event that gives up a pending connect (none here: see download._TrackedConnection)."""

    _dns_host: str
    port: int
    timeout: Any
    source_address: tuple[str, int] | None
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        timeout = self.timeout if isinstance(self.timeout, int | float) else None  # or urllib3's "default"
        try:
            address = (self._dns_host, self.port)
            sock = connect_quickly(address, timeout, self.source_address, self.connect_stop())
        except TimeoutError as error:
            raise urllib3.exceptions.ConnectTimeoutError(
                self, f"Connection to {self._dns_host} timed out. (connect timeout={timeout})"
            ) from error
        except OSError as error:
            raise urllib3.exceptions.NewConnectionError(
                self, f"Failed to establish a new connection: {error}"
            ) from error
        for option in self.socket_options or ():
            sock.setsockopt(*option)
        return sock

    def connect_stop(self) -> threading.Event | None:
        return None


class _QuickHTTPConnection(QuickConnect, HTTPConnection):
    pass


class _QuickHTTPSConnection(QuickConnect, HTTPSConnection):
    pass


class _QuickHTTPPool(HTTPConnectionPool):
    ConnectionCls = _QuickHTTPConnection


class _QuickHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _QuickHTTPSConnection


class QuickAdapter(HTTPAdapter):
    """requests' adapter whose connections, direct or through an HTTP proxy, are ``pools``'
    (connecting as ``connect_quickly`` does)."""

    pools: ClassVar[dict[str, type[HTTPConnectionPool]]] = {"http": _QuickHTTPPool, "https": _QuickHTTPSPool}

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if manager.pool_classes_by_scheme is urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = self.pools
        return manager


class Redirected(Exception):
    """The server answered with a redirect: requests follows it (http(s) only, at most 10)."""


class Direct:
    """Kept-alive connections for URLs that need no proxy, shared by the worker threads: a
    connection goes back to the idle set once its response is read through (``release``), so the
    connection that fetched a header fetches tiles next. ``close`` closes them all. ``stop`` (the
    call's cancel) gives up the connects still pending."""

    def __init__(
        self,
        timeout: float,
        headers: Mapping[str, str],
        proxy: Proxy | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.timeout, self.headers, self.proxy, self.stop = timeout, dict(headers), proxy, stop
        self._idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._proxied: dict[str, bool] = {}
        self._context: ssl.SSLContext | None = None

    def handles(self, url: str) -> bool:
        """Whether ``url`` is http(s) and reached without a proxy (else requests takes it)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        if proxies_for(self.proxy, url):
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxied:
            self._proxied[origin] = bool(requests.utils.get_environ_proxies(origin))
        return not self._proxied[origin]

    def get(
        self, url: str, headers: Mapping[str, str], track: Callable[[object], None]
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """A connection and its response to a GET of ``url``: ``release`` the connection once the
        body is read through, ``discard`` it otherwise. Raises OSError / HTTPException on a network
        failure (the connection closed), Redirected on a redirect."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key: _Key = (parts.scheme, parts.hostname or "", parts.port)
        with self._lock:
            idle = self._idle.get(key)
            connection = idle.pop() if idle else None
        reused = connection is not None
        if connection is None:
            connection = self._connect(*key)
        track(connection)
        try:
            try:
                response = self._ask(connection, target, headers)
            except _STALE:
                if not reused:
                    raise
                # a kept-alive connection the server closed while idle: once more on a fresh one
                connection.close()
                connection = self._connect(*key)
                track(connection)
                response = self._ask(connection, target, headers)
        except BaseException:
            connection.close()
            raise
        if response.status in _REDIRECTS:
            connection.close()
            raise Redirected
        return connection, response

    def release(self, url: str, connection: http.client.HTTPConnection) -> None:
        """Give back a connection whose last response was read through."""
        parts = urlsplit(url)
        with self._lock:
            self._idle.setdefault((parts.scheme, parts.hostname or "", parts.port), []).append(connection)

    def lend(self, url: str) -> socket.socket | None:
        """The socket of an idle kept-alive connection to the server of ``url``, taken from its
        connection and made non-blocking (for the burst loop, which closes it), or None."""
        parts = urlsplit(url)
        with self._lock:
            idle = self._idle.get((parts.scheme, parts.hostname or "", parts.port))
            connection = idle.pop() if idle else None
        if connection is None or connection.sock is None:
            return None
        sock, connection.sock = connection.sock, None
        sock.setblocking(False)
        return sock

    def close(self) -> None:
        with self._lock:
            connections, self._all, self._idle = self._all, [], {}
        for connection in connections:
            connection.close()

    def _ask(
        self, connection: http.client.HTTPConnection, target: str, headers: Mapping[str, str]
    ) -> http.client.HTTPResponse:
        connection.request("GET", target, headers={**self.headers, **headers})
        return connection.getresponse()

    def _connect(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self.tls())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        hook = functools.partial(connect_quickly, stop=self.stop)
        connection._create_connection = hook  # type: ignore[attr-defined]  # http.client's hook
        with self._lock:
            self._all.append(connection)
        return connection

    def tls(self) -> ssl.SSLContext:
        """The context https connections are verified with (made once)."""
        if self._context is None:
            bundle = (
                os.environ.get("REQUESTS_CA_BUNDLE")
                or os.environ.get("CURL_CA_BUNDLE")
                or requests.utils.DEFAULT_CA_BUNDLE_PATH
            )
            self._context = ssl.create_default_context(
                cafile=bundle if os.path.isfile(bundle) else None,
                capath=bundle if os.path.isdir(bundle) else None,
            )
        return self._context
