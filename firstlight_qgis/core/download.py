"""Whole-file band downloads that survive real networks and never leave a file that lies.

Each band goes to ``<output_dir>/<band>.tif`` through ``<band>.tif.part``: bytes are appended to the
part file, a broken transfer continues from where it stopped with an HTTP Range request (only on
the edition of the server's file the part holds: edition.py), and the part file becomes the final
name only after its size, its STAC ``file:checksum`` and a GDAL open say it is the raster the
catalog described. A small hidden sidecar records what was verified, so a re-run skips complete
files without hashing them again.

Bands download in parallel on a bounded pool sharing one ``requests`` session. The caller's
thread polls ``cancel`` and relays progress, so callbacks run on the thread that called us; cancel
shuts down the sockets in use, which stops even a stalled transfer at once.

``clip.py`` reuses the pool, retry, href and verification parts (:class:`BandJobs`,
:func:`retrying`, :func:`source_of`, :func:`commit`, ...).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import json
import logging
import os
import queue
import random
import re
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, TypeVar
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import requests
import urllib3
from osgeo import gdal
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .bands import ResolvedAsset
from .edition import Edition, forget_edition
from .errors import CancelledError, DownloadError, ProxyLoginError, SharedError, write_failure
from .fileio import clean_up, open_to_read, read_into
from .gdalconfig import raising
from .keepalive import QuickAdapter, QuickConnect
from .overviews import overview_file
from .proxy import PROXY_LOGIN, Proxy, proxies_for
from .redact import redact_url, scrub

if TYPE_CHECKING:  # signing makes its session here: its token fetches stop on a cancel too
    from .signing import Signer

log = logging.getLogger(__name__)


Progress = Callable[[str, str, float], None]
Cancel = Callable[[], bool]
T = TypeVar("T")

_CHUNK = 64 * 1024
_POLL_S = 0.1
_MAX_REDIRECTS = 10
_USER_AGENT = "FirstLight-QGIS"
_HEADERS = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}  # of every request


@dataclass
class BandDownloadResult:
    """What happened to one band. ``url`` is the href without any secret (never a signed URL)."""

    band_name: str
    url: str
    local_path: Path | None
    size_bytes: int
    download_time_s: float
    success: bool
    error: str | None = None
    retries: int = 0
    bytes_transferred: int = 0
    resumed_from: int = 0
    skipped: bool = False  # already complete and verified by an earlier run
    sha256: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Waits between attempts: exponential backoff with jitter; a server's Retry-After wins, capped."""

    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        backoff = min(self.max_delay, self.base_delay * 2 ** max(retry - 1, 0))
        return backoff / 2 + random.uniform(0, backoff / 2)


class TransientError(DownloadError):
    """A failure worth another attempt (network, 5xx, 429, a web page instead of a raster...)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Crowded(TransientError):
    """HTTP 429 or 503: the server asks for fewer requests at once (or for a pause)."""


class FileChanged(TransientError):
    """The server's file is not the one the part file holds bytes of: the next attempt starts over."""

    def __init__(self, label: str) -> None:
        super().__init__(f"The server's file {label} changed while it was fetched; it is fetched again.")


def server_error(status: int, label: str, headers: Mapping[str, str]) -> TransientError:
    """The error of an HTTP 408, 429 or 5xx answer: Crowded for 429 and 503 (fewer at once)."""
    kind = Crowded if status in (429, 503) else TransientError
    return kind(f"The server answered HTTP {status} for {label}.", retry_after(headers))


def check_size(total: int | None, size: int | None, label: str) -> None:
    """A TransientError when the server's file (``total`` bytes) is not the catalog's (``size``)."""
    if None not in (total, size) and total != size:
        raise TransientError(
            f"The server's file {label} has {total} bytes but the catalog says {size}; the catalog "
            "entry may be stale, try another scene."
        )


class Gate:
    """How many requests go at once (one-stream downloads, the retrying path of ranges): all it
    was made with, until the server answers 429 or 503 while others are in flight (it caps the
    requests of one client, as object stores do when asked too much); then half as many as were
    in flight (or as a burst got through), growing back by one each time as many succeed. A
    request refused while the gate narrowed is not the server failing, so it costs no retry:
    otherwise a server that takes two requests at once would fail a clip of sixty ranges."""

    def __init__(self, limit: int) -> None:
        self.most = self.limit = limit
        self.active = 0
        self._successes = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def slot(self, check: Callable[[], None]) -> Iterator[None]:
        with self._cond:
            while self.active >= self.limit:
                self._cond.wait(0.1)
                check()  # a cancel while waiting for a slot
            self.active += 1
        try:
            yield
        finally:
            with self._cond:
                self.active -= 1
                self._cond.notify()

    def widen(self) -> None:
        with self._cond:
            self._successes += 1
            if self.limit < self.most and self._successes >= self.limit:
                self.limit += 1
                self._successes = 0
                self._cond.notify()

    def narrow_to(self, limit: int) -> None:
        with self._cond:
            self.limit, self._successes = max(1, min(self.limit, limit)), 0

    def narrow(self) -> bool:
        """The server refused one request of ``active + 1``: whether the gate narrowed for it (not
        when that request was alone: the server refuses even one, which no gate helps)."""
        with self._cond:
            if not self.active:
                return False
            narrower = max(1, min(self.limit, self.active + 1) // 2)
            if narrower >= self.limit:
                return False
            self.limit, self._successes = narrower, 0
            return True


@dataclass
class Tally:
    """Counters of one band across its attempts."""

    retries: int = 0
    transferred: int = 0
    resumed_from: int = 0


# -- names and hrefs -------------------------------------------------------------------------


# Names Windows reserves for devices, with or without an extension ("CON", "nul.tif", "COM1.x").
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)
_MAX_NAME = 100  # the scene id appears twice in a path (folder and file prefix): keep under MAX_PATH


def safe_name(text: str) -> str:
    """``text`` as a portable file name: letters, digits, ``._-`` kept, anything else ``_``.

    Never empty, never hidden, ``.`` / ``..`` or starting with ``-`` (an option to a shell command),
    never a Windows device name (CON, NUL, COM1, ... get a leading ``_``), at most 100 characters:
    a longer name is cut and ends with a hash of the whole text, so two long ids sharing a prefix
    never share a folder.
    """
    name = re.sub(r"^[._-]+|[._]+$", "", re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip()))
    if len(name) > _MAX_NAME:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        name = f"{name[: _MAX_NAME - 13].rstrip('._')}_{digest}"
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = "_" + name
    return name or "_"


def _shown(href: str) -> str:
    """An href fit for a one-line message: no secret, no control character, not too long."""
    text = re.sub(r"[\x00-\x1f\x7f]", "?", redact_url(href))
    return text if len(text) <= 200 else text[:200] + "..."


@dataclass(frozen=True)
class Source:
    """Where a band's bytes come from: ``kind`` is ``"http"`` (href) or ``"local"`` (a path)."""

    kind: str
    href: str
    path: Path | None = None


def source_of(band: str, href: str, allow_local: bool) -> Source:
    """Classify ``href``; refuse what cannot or must not be read, in one clear sentence.

    Only http(s) is fetched from a remote catalog; local paths (and ``file://``) only when the
    catalog itself is local (``allow_local``); GDAL virtual paths (``/vsicurl/``, ``/vsizip/``...)
    never, as they would let GDAL reach the network or archives on the catalog's say-so.
    """
    if href.replace("\\", "/").lstrip().lower().startswith("/vsi"):
        raise DownloadError(
            f"Band {band} points at a GDAL virtual path ({_shown(href)}), which FirstLight never reads; "
            "choose another catalog."
        )
    try:
        parts = urlsplit(href)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise DownloadError(f"Band {band} has an address that is not a URL ({_shown(href)}).") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise DownloadError(
                f"Band {band} has an address without a host ({_shown(href)}); check the catalog."
            )
        return Source("http", href)
    if scheme == "s3":
        raise requester_pays({band: href})
    if scheme in ("", "file") or len(scheme) == 1:  # a path, a file:// URL, or C:\... on Windows
        if not allow_local:
            raise DownloadError(
                f"Band {band} points at a local file ({_shown(href)}), which is only read for a local "
                "catalog; use a STAC API or a local catalog."
            )
        path = Path(url2pathname(parts.path)) if scheme == "file" else Path(href)
        return Source("local", href, path)
    raise DownloadError(
        f"Band {band} has an address FirstLight cannot fetch ({_shown(scheme)}://); only http(s) works."
    )


def requester_pays(hrefs: Mapping[str, str], scene: str | None = None) -> DownloadError:
    """The one sentence for bands whose only address is on requester-pays Amazon S3 (``hrefs``:
    band -> its ``s3://`` href): FirstLight never fetches them, so neither a retry nor another run
    helps; the catalog to take them from instead is named (the USGS's Landsat bucket: Planetary
    Computer, which serves Landsat over https; Earth Search's Landsat is that bucket)."""
    bands = list(hrefs)
    first = redact_url(hrefs[bands[0]])
    shown = first if len(bands) == 1 else f"{first} and {len(bands) - 1} more"
    names = bands[0] if len(bands) == 1 else f"{', '.join(bands[:-1])} and {bands[-1]}"
    subject = f"Band {names}" if len(bands) == 1 else f"Bands {names}"
    if scene:
        subject += f" of scene {scene}"
    verb, them = ("is", "it") if len(bands) == 1 else ("are", "them")
    bucket = hrefs[bands[0]].strip()[len("s3://") :].split("/", 1)[0].lower()
    where = "Planetary Computer" if "landsat" in bucket else "Earth Search or Planetary Computer"
    return DownloadError(
        f"{subject} {verb} only available from requester-pays Amazon S3 ({shown}), which needs paid "
        f"AWS credentials; search a catalog that serves {them} over https, such as {where}."
    )


def refuse_requester_pays(urls: Mapping[str, str], scene: str) -> None:
    """Raise ``requester_pays`` for every band of ``urls`` that only S3 serves, before any fetch:
    one sentence for the scene, not one per band."""
    on_s3 = {band: href for band, href in urls.items() if href.strip().lower().startswith("s3://")}
    if on_s3:
        raise requester_pays(on_s3, scene)


# -- verification ----------------------------------------------------------------------------

# multihash function codes -> hashlib names (https://github.com/multiformats/multicodec)
# fmt: off
_MULTIHASH = {
    0x11: "sha1", 0x12: "sha256", 0x13: "sha512", 0x14: "sha3_512", 0x15: "sha3_384",
    0x16: "sha3_256", 0x17: "sha3_224", 0x20: "sha384", 0xD5: "md5",
}
# fmt: on


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ValueError("truncated varint")


def parse_checksum(value: str) -> tuple[str, str] | None:
    """``(hashlib name, hex digest)`` of a STAC ``file:checksum``: a multihash or a bare MD5 hex.

    None when the form is unknown (the file is then checked by size and GDAL only).
    """
    text = value.strip().lower()
    if not re.fullmatch(r"(?:[0-9a-f]{2})+", text):
        return None
    if len(text) == 32:
        return "md5", text
    data = bytes.fromhex(text)
    try:
        code, pos = _varint(data, 0)
        length, pos = _varint(data, pos)
    except ValueError:
        return None
    name = _MULTIHASH.get(code)
    digest = data[pos:]
    if name is None or len(digest) != length or hashlib.new(name).digest_size != length:
        return None
    return name, digest.hex()


class PrefixHash:
    """Digests of the start of a file being filled, read (from the page cache) as far as asked,
    into one buffer of its own: new memory for every read (1 MB of bytes each; the first touch of
    memory is slow) made a 20 km clip take 50 ms instead of 46, a 50 km clip 175 instead of 170."""

    def __init__(self, path: Path, names: set[str]) -> None:
        self.hashers = {name: hashlib.new(name) for name in names}
        self.position = 0
        self._buffer: memoryview | None = None  # made at the first read
        self._fd = open_to_read(path)

    def to(self, end: int, check: Callable[[], None] | None = None) -> None:
        """Hash on to byte ``end`` (OSError if the file is shorter), calling ``check`` (a cancel)
        between reads."""
        while self.position < end:
            if self._buffer is None:
                self._buffer = memoryview(bytearray(4 * _CHUNK))
            count = read_into(self._fd, self._buffer[: end - self.position], self.position)
            if not count:
                raise OSError(errno.EIO, "the file is shorter than what was written to it")
            for hasher in self.hashers.values():
                hasher.update(self._buffer[:count])
            self.position += count
            if check is not None:
                check()

    def digests(self) -> dict[str, str]:
        return {name: hasher.hexdigest() for name, hasher in self.hashers.items()}

    def close(self) -> None:
        os.close(self._fd)


def hash_file(path: Path, names: set[str], jobs: BandJobs | None = None) -> dict[str, str]:
    """Hex digests of ``path`` for each hashlib name, in one read (cancellable between chunks)."""
    prefix = PrefixHash(path, names)
    try:
        prefix.to(path.stat().st_size, jobs.check if jobs is not None else None)
        return prefix.digests()
    finally:
        prefix.close()


def open_raster(path: Path | str) -> gdal.Dataset | None:
    """The dataset if GDAL reads ``path`` as a raster with at least one band, else None."""
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError:
        return None
    return dataset if dataset is not None and dataset.RasterCount > 0 else None


def _sidecar(final: Path) -> Path:
    return final.with_name(f".{final.name}.verified.json")


def verified_record(final: Path) -> dict[str, Any] | None:
    """What an earlier run verified about ``final`` (``source``, ``size``, ``sha256``), if the file
    has not changed since (same size and modification time)."""
    try:
        record = json.loads(_sidecar(final).read_text(encoding="utf-8"))
        stat = final.stat()
    except (OSError, ValueError):
        return None
    unchanged = record.get("size") == stat.st_size and record.get("mtime_ns") == stat.st_mtime_ns
    return record if unchanged and isinstance(record.get("source"), dict) else None


def discard(final: Path) -> None:
    """Forget a band file found damaged after it was verified: the next fetch downloads it again."""
    overview_file(final).unlink(missing_ok=True)
    _sidecar(final).unlink(missing_ok=True)
    final.unlink(missing_ok=True)


def commit(part: Path, final: Path, source: Mapping[str, Any], sha256: str) -> None:
    """Record what was verified, then give the part file its final name (atomic). The overviews of
    the file it replaces go first: they would show its pixels over the new ones."""
    overview_file(final).unlink(missing_ok=True)
    stat = part.stat()
    record = {"source": dict(source), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    sidecar = _sidecar(final)
    temp = sidecar.with_name(sidecar.name + ".tmp")
    try:
        temp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(temp, sidecar)
    except BaseException:
        clean_up(temp)
        raise
    os.replace(part, final)


def kept_source(final: Path) -> Path:
    """Where clip mode keeps the whole file of the band ``final`` (``<band>.source.tif``): the one
    its fallback downloaded, for the next area, or the one a clip replaced; whole-scene mode takes
    it from there."""
    return final.with_name(final.stem + ".source.tif")


def move_verified(source: Path, final: Path) -> None:
    """Give ``final`` the verified file ``source`` and its record, by renaming both. A crash in
    between leaves ``final`` with a record of another size and time: fetched again, never trusted."""
    overview_file(final).unlink(missing_ok=True)
    overview_file(source).unlink(missing_ok=True)
    os.replace(source, final)
    os.replace(_sidecar(source), _sidecar(final))


# What to do once the output folder can take the files again.
RUN_AGAIN = "run the ingest again: completed bands are kept and partial ones resume"


def disk_error(path: Path, error: OSError) -> DownloadError:
    """The error to raise when writing ``path`` failed: an OutputError (which stops the run) for a
    full disk or quota, or a write the system refused."""
    failure = write_failure(path.parent, error, RUN_AGAIN)
    if failure is None and error.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = next((p for p in (path, *path.parents) if p.is_file()), None)
        if blocker is not None:
            return DownloadError(
                f"Could not write {path}: {blocker} is a file, not a folder; choose another folder."
            )
    return failure or DownloadError(f"Could not write {path}: {error.strerror}; choose another folder.")


# -- the band pool: cancel, progress, interruptible sockets ----------------------------------

_worker = threading.local()


class _TrackedConnection:
    """Mixin: registers each connection a worker uses, so cancel can shut its socket down, and
    gives up its connect while pending (a socket is the connection's only once connected)."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _track(self)  # now it has a socket: shut at once if the cancel came while it connected

    def request(self, *args: Any, **kwargs: Any) -> Any:
        _track(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def connect_stop(self) -> threading.Event | None:
        jobs = getattr(_worker, "jobs", None)
        return jobs.cancelled if jobs is not None else None


class _HTTPConnection(_TrackedConnection, QuickConnect, HTTPConnection):
    pass


class _HTTPSConnection(_TrackedConnection, QuickConnect, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _track(connection: object) -> None:
    jobs = getattr(_worker, "jobs", None)
    if jobs is not None:
        jobs.track(connection)


class _TrackingAdapter(QuickAdapter):
    """An adapter whose pools make tracked connections (plain and via an HTTP proxy)."""

    pools: ClassVar[dict[str, type[HTTPConnectionPool]]] = {"http": _HTTPPool, "https": _HTTPSPool}


def http_session(pool_size: int) -> requests.Session:
    """A session whose connection pool fits ``pool_size`` parallel transfers."""
    session = requests.Session()
    adapter = _TrackingAdapter(pool_connections=8, pool_maxsize=max(pool_size, 1), max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(_HEADERS)
    return session


class LazySession:
    """A call's ``http_session`` (what goes through a proxy, a redirect, a whole file), made at its
    first use: most clips never need one, and making and closing it took 0.2 ms of a 13 ms 5 km
    clip. Thread-safe; close it (or use ``with``) when done."""

    headers: ClassVar[dict[str, str]] = _HEADERS

    def __init__(self, pool_size: int) -> None:
        self._pool_size = pool_size
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> LazySession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        with self._lock:
            if self._session is None:
                self._session = http_session(self._pool_size)
            session = self._session
        return session.get(url, **kwargs)

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()


class BandJobs:
    """Runs one job per band on a bounded pool while the calling thread polls ``cancel`` every
    0.1 s and relays progress; on cancel it shuts down every socket the workers use."""

    def __init__(self, cancel: Cancel | None, progress: Progress | None, workers: int) -> None:
        self._cancel = cancel
        self._progress = progress
        self._workers = max(1, workers)
        self._events: queue.SimpleQueue[tuple[str, str, float]] = queue.SimpleQueue()
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.cancelled = threading.Event()

    def report(self, band: str, status: str, fraction: float) -> None:
        """Queue a progress event; the caller's thread delivers it."""
        self._events.put((band, status, max(0.0, min(1.0, fraction))))

    def check(self) -> None:
        if self.cancelled.is_set():
            raise CancelledError("The download was cancelled.")

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or raise CancelledError as soon as cancel is asked."""
        if self.cancelled.wait(seconds):
            self.check()

    def track(self, connection: object) -> None:
        with self._lock:
            self._connections.add(connection)
        if self.cancelled.is_set():
            self._interrupt()

    def run(
        self,
        jobs: Mapping[str, Callable[[], T]],
        what: str,
        first: Callable[[], Mapping[str, T]] | None = None,
    ) -> dict[str, T]:
        """``{band: job()}`` in the order of ``jobs``; CancelledError (``what`` names the work).
        ``first()`` runs before the jobs on the calling thread (calling ``poll()`` while it waits)
        and may give some bands' results itself: their jobs do not run."""
        futures: dict[str, Future[T]] = {}
        try:
            self.poll()
            early = self._first(first) if first is not None else {}
            rest = {band: job for band, job in jobs.items() if band not in early}
            if rest:
                go = threading.Event()  # the jobs start together once every thread is up: a thread
                # started while the others already work waits for the interpreter lock (~1 ms each)
                pool = ThreadPoolExecutor(self._workers, thread_name_prefix="firstlight-band")
                try:
                    futures = {band: pool.submit(self._in_worker, job, go) for band, job in rest.items()}
                    go.set()
                    self._supervise(set(futures.values()))
                except BaseException:
                    pool.shutdown(wait=True)  # stopped: no job's write may outlive the call
                    raise
                pool.shutdown(wait=False)  # every job has returned: the idle threads end on their own
            self._deliver()
            self.check()
        except CancelledError:
            raise CancelledError(
                f"The {what} was cancelled; what it downloaded is kept, and the next run resumes from there."
            ) from None
        try:
            return {band: early[band] if band in early else futures[band].result() for band in jobs}
        finally:
            # A job's exception (a full disk) raised here would keep its future, and so itself and
            # every frame of its traceback, alive in a reference cycle until the garbage collector
            # runs: GDAL datasets in those frames would hold their files open (undeletable on
            # Windows, their space not freed).
            futures.clear()

    def _first(self, first: Callable[[], Mapping[str, T]]) -> dict[str, T]:
        try:
            return dict(first())
        except BaseException:  # a raising callback, Ctrl-C, a full disk: the other bands stop too
            self.cancelled.set()
            self._interrupt()
            raise

    def poll(self) -> None:
        """On the calling thread: deliver progress and look at cancel (CancelledError once asked)."""
        self._look()
        self.check()

    def _look(self) -> None:
        self._deliver()
        if not self.cancelled.is_set() and self._cancel is not None and self._cancel():
            self.cancelled.set()
        if self.cancelled.is_set():
            self._interrupt()

    def _supervise(self, pending: set[Any]) -> None:
        try:
            while pending:
                _, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
                self._look()
        except BaseException:  # a raising callback or Ctrl-C: stop the workers before leaving
            self.cancelled.set()
            self._interrupt()
            raise

    def _in_worker(self, job: Callable[[], T], go: threading.Event) -> T:
        go.wait()
        _worker.jobs = self
        try:
            return job()
        finally:
            _worker.jobs = None

    def _deliver(self) -> None:
        while self._progress is not None:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            self._progress(*event)

    def _interrupt(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def signed(signer: Signer | None, href: str, refresh: bool = False) -> str:
    """``href`` signed (or re-signed) for one request; a token service failure is worth a retry."""
    if signer is None:
        return href
    try:
        return signer.refresh(href) if refresh else signer.sign(href)
    except DownloadError as error:
        raise TransientError(str(error)) from None


@dataclass(frozen=True)
class FetchContext:
    """What all bands of one call share."""

    jobs: BandJobs
    signer: Signer | None
    allow_local: bool
    timeout: float
    max_retries: int
    policy: RetryPolicy
    session: LazySession | None = None  # what goes through requests (proxies, redirects, whole files)
    streams: Gate | None = None  # bounds one-stream downloads (parallel_downloads, fewer if crowded)
    proxy: Proxy | None = None  # the one the caller names (QGIS's); else the environment's

    def retrying(self, band: str, attempt: Callable[[], T], tally: Tally) -> T:
        """``attempt()`` until it succeeds, retrying TransientError up to ``max_retries`` times."""
        while True:
            self.jobs.check()
            try:
                return attempt()
            except TransientError as error:
                self.jobs.check()  # cancel shuts sockets down: that failure is the cancel, not the network
                if isinstance(error, Crowded) and self.streams is not None and self.streams.narrow():
                    wait_s = self.policy.delay(1, error.retry_after)
                    log.info("band %s: %s; %d at once now", band, error, self.streams.limit)
                    self.jobs.sleep(wait_s)
                    continue
                if tally.retries >= self.max_retries:
                    raise DownloadError(
                        f"{str(error).rstrip('.')} (gave up after {tally.retries + 1} attempts)."
                    ) from None
                tally.retries += 1
                wait_s = self.policy.delay(tally.retries, error.retry_after)
                log.info("band %s: %s; retry %d in %.1f s", band, error, tally.retries, wait_s)
                self.jobs.report(band, "retrying", 0.0)
                self.jobs.sleep(wait_s)


class BandTask:
    """One band's way to ``final``: skip it if an earlier run verified it, else attempts (with
    retries) that leave a verified part file, then the commit; never raises but CancelledError."""

    def __init__(self, context: FetchContext, band: str, href: str, final: Path) -> None:
        self.context, self.jobs = context, context.jobs
        self.band, self.href, self.final = band, href, final
        self.label = redact_url(href)
        self.part = final.with_name(final.name + ".part")
        self.tally = Tally()
        self.began = time.monotonic()

    def identity(self) -> dict[str, Any]:
        """What the sidecar records as the origin of the file."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Refuse a band that cannot be fetched (DownloadError) before anything is written."""

    def done_before(self, record: Mapping[str, Any]) -> bool:
        return record["source"] == self.identity()

    def attempt(self) -> str:
        """Produce a verified part file; its sha256."""
        raise NotImplementedError

    def run(self) -> BandDownloadResult:
        self.began = time.monotonic()
        return self.settled(self._fetch_verified)

    def settled(self, work: Callable[[], T]) -> T | BandDownloadResult:
        """``work()``, or the band's failed result for a DownloadError (a SharedError goes on)."""
        try:
            return work()
        except SharedError:
            self.jobs.report(self.band, "failed", 0.0)
            raise  # every band shares the folder and the proxy: the ingest stops with this one error
        except DownloadError as error:
            self.jobs.report(self.band, "failed", 0.0)
            log.warning("band %s: %s", self.band, error)
            return self._result(error=str(error))

    def _fetch_verified(self) -> BandDownloadResult:
        self.prepare()
        record = self.done_earlier()
        if record is not None:
            self.jobs.report(self.band, "skipped", 1.0)
            return self._result(size=record["size"], sha256=record.get("sha256"), skipped=True)
        self.jobs.report(self.band, "started", 0.0)
        return self.committed(self.context.retrying(self.band, self.attempt, self.tally))

    def committed(self, sha256: str) -> BandDownloadResult:
        """Give the verified part file its name; the band's result."""
        self.keep(sha256)  # verified: named even if a cancel came meanwhile (the run stops after)
        self.jobs.report(self.band, "done", 1.0)
        return self._result(size=self.final.stat().st_size, sha256=sha256)

    def keep(self, sha256: str) -> None:
        """Give the verified part file its final name, with the record of what was verified."""
        try:
            commit(self.part, self.final, self.identity(), sha256)
        except OSError as error:
            raise disk_error(self.final, error) from None

    def done_earlier(self) -> Mapping[str, Any] | None:
        """The record of an earlier run that verified this very output, if one did."""
        record = verified_record(self.final)
        return record if record is not None and self.done_before(record) else None

    def _result(
        self, *, size: int = 0, sha256: str | None = None, skipped: bool = False, error: str | None = None
    ) -> BandDownloadResult:
        return BandDownloadResult(
            band_name=self.band,
            url=self.label,
            local_path=None if error else self.final,
            size_bytes=size,
            download_time_s=0.0 if skipped else time.monotonic() - self.began,
            success=error is None,
            error=error,
            retries=self.tally.retries,
            bytes_transferred=self.tally.transferred,
            resumed_from=self.tally.resumed_from,
            skipped=skipped,
            sha256=sha256,
        )


# -- one band, whole file --------------------------------------------------------------------


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a 429 or 503 asks for (seconds, or an HTTP date), if any."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def _starts_like_html(first_bytes: bytes) -> bool:
    return first_bytes[:256].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _reason(error: BaseException) -> str:
    """A short, secret-free description of a network failure."""
    if isinstance(error, requests.ConnectTimeout):
        return "timed out connecting"
    if isinstance(error, requests.ReadTimeout | socket.timeout | urllib3.exceptions.ReadTimeoutError):
        return "timed out waiting for data"
    if isinstance(
        error,
        requests.exceptions.ChunkedEncodingError
        | urllib3.exceptions.ProtocolError
        | http.client.HTTPException,
    ):
        return "the connection broke during the transfer"
    if isinstance(error, requests.ConnectionError | ConnectionError):
        return "the connection failed"
    return f"network error ({type(error).__name__})"


def body_chunks(response: requests.Response, size: int) -> Iterator[bytes]:
    """The body of a streamed ``response`` as it arrives, ``size`` bytes at most at a time. Read
    undecoded, as asked (``Accept-Encoding: identity``): urllib3 2 decoding waits to fill a chunk,
    and when the connection drops it loses what it held, which urllib3 1.26 gave, and a resume
    asks again."""
    if response.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity"):
        yield from response.iter_content(size)  # encoded all the same: requests decodes it
        return
    while chunk := response.raw.read(size, decode_content=False):
        yield chunk


def http_get(
    context: FetchContext, url: str, label: str, headers: Mapping[str, str] | None = None
) -> requests.Response:
    """A streamed GET of ``url`` following redirects to http(s) only (at most 10).

    Network failures become TransientError; a redirect to another scheme, an unusable URL or a
    certificate that does not verify become DownloadError (retrying would not help).
    """
    try:
        for _ in range(_MAX_REDIRECTS):
            response = context.session.get(  # type: ignore[union-attr]
                url,
                headers=dict(headers or {}),
                stream=True,
                allow_redirects=False,
                timeout=context.timeout,
                proxies=proxies_for(context.proxy, url),
            )
            if not response.is_redirect:
                return response
            url = urljoin(url, response.headers["Location"])
            response.close()
            if urlsplit(url).scheme.lower() not in ("http", "https"):
                raise DownloadError(
                    f"The server of {label} redirected to a non-HTTP address, which FirstLight "
                    "refuses to follow; choose another catalog."
                )
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as error:
        raise DownloadError(f"{label} is not a usable address ({type(error).__name__}).") from None
    except (requests.RequestException, OSError) as error:
        raise network_error(error, label) from None
    raise TransientError(f"Fetching {label} failed: too many redirects.")


def client_error(status: int, label: str) -> DownloadError:
    """The error of a 4xx answer, which no retry changes, with what its status means."""
    if status == 407:
        return ProxyLoginError(
            f"The proxy refused to fetch {label} without its login (HTTP 407): {PROXY_LOGIN}."
        )
    hint = {
        401: "it needs a login",
        403: "access was refused (a signed or expired link?)",
        404: "the file is not there (a stale catalog entry?)",
    }.get(status, "choose another scene or catalog")
    return DownloadError(f"The server answered HTTP {status} for {label}: {hint}.")


def network_error(error: BaseException, label: str) -> DownloadError:
    """What a failed request of ``label`` raises: a certificate that does not verify is final
    (DownloadError), any other network failure is worth a retry (TransientError)."""
    if isinstance(error, ssl.SSLCertVerificationError) or (
        isinstance(error, requests.exceptions.SSLError) and "certif" in str(error).lower()
    ):
        return DownloadError(
            f"The certificate of the server of {label} could not be verified, so FirstLight does not "
            "download from it; check the system's certificates (or a proxy intercepting HTTPS)."
        )
    log.debug("%s: %s", label, scrub(str(error)))
    return TransientError(f"Fetching {label} failed: {_reason(error)}.")


class _WholeFile(BandTask):
    """Download (or copy) one whole band file and verify it; runs on a worker thread. ``twin``: where
    an earlier run may have left the same file verified under another name (clip mode's kept
    source, or whole-scene mode's band file), taken over by renaming rather than fetched again."""

    def __init__(
        self,
        context: FetchContext,
        band: str,
        href: str,
        final: Path,
        expected: ResolvedAsset | None,
        twin: Path | None = None,
    ) -> None:
        super().__init__(context, band, href, final)
        self.twin = twin
        self.size = expected.file_size if expected else None
        self.checksum = expected.file_checksum if expected else None
        self.source = Source("http", href)
        self.rejected: set[str] = set()  # sha256 of whole files refused by verification
        self.digests: dict[str, str] | None = None  # of the part file, hashed while it was fetched

    def digest_names(self) -> set[str]:
        wanted = parse_checksum(self.checksum) if self.checksum else None
        return {"sha256", wanted[0]} if wanted else {"sha256"}

    def prepare(self) -> None:
        self.source = source_of(self.band, self.href, self.context.allow_local)

    def identity(self) -> dict[str, Any]:
        return {"href": self.label, "file:checksum": self.checksum}

    def done_before(self, record: Mapping[str, Any]) -> bool:
        """A whole file (not a clip: its record has other keys) of the same href, which the
        catalog's current size and checksum still describe."""
        if record["source"].keys() != self.identity().keys() or record["source"]["href"] != self.label:
            return False
        if self.size is not None and record["size"] != self.size:
            return False
        if self.checksum in (None, record["source"].get("file:checksum")):
            return True
        return parse_checksum(self.checksum) == ("sha256", record.get("sha256"))

    def done_earlier(self) -> Mapping[str, Any] | None:
        record = super().done_earlier()
        if record is None and self.twin is not None:
            twin = verified_record(self.twin)
            if twin is not None and self.done_before(twin):
                try:
                    move_verified(self.twin, self.final)
                except OSError as error:  # (a file held open on Windows) fetched again instead
                    log.warning("band %s: %s could not be renamed: %s", self.band, self.twin.name, error)
                    return None
                return twin
        return record

    def drop_twin(self) -> None:
        """Once the band is downloaded again, its twin (no longer the catalog's file, or one that
        could not be renamed) would hold a file's worth of disk for nothing: it goes if it can."""
        if self.twin is not None:
            with contextlib.suppress(OSError):
                discard(self.twin)

    def attempt(self) -> str:
        self.digests = None
        if self.source.kind == "local":
            self._copy_local()
        else:
            self._fetch()
        sha256 = self._verify()
        forget_edition(self.part)  # whole and verified: no resume will ask which edition it holds
        return sha256

    # fetching --------------------------------------------------------------------------------

    def _fetch(self) -> None:
        from .ranges import drop_pieced, fetch_whole, is_pieced, wants_pieces  # large: in pieces

        if fetch_whole(self):
            return
        offset = self.part.stat().st_size if self.part.exists() else 0
        pieced = is_pieced(self.part)  # by an earlier run, of a file of unknown size: kept if still large
        if pieced:
            offset = 0
        if self.size is not None and offset > self.size:
            self._restart()
            offset = 0
        if self.size is not None and offset == self.size and offset > 0:
            return  # a complete part file from an earlier run: verify it
        streams = self.context.streams
        learned = None
        edition = Edition(self.part, kept=offset > 0 or pieced)
        with streams.slot(self.jobs.check) if streams is not None else contextlib.nullcontext():
            response = self._get(offset, edition.value)
            with response:
                start, total = self._accept(response, offset, edition)
                if self.size is None and response.status_code == 206 and wants_pieces(self, total):
                    learned = total  # a large file the catalog gives no size for: hang up
                else:
                    drop_pieced(self.part)  # read on in one stream
                    self._stream(response, start, total)
        if streams is not None:
            streams.widen()
        if learned is not None and not fetch_whole(self, learned):
            raise TransientError(f"The server of {self.label} stopped serving byte ranges.")

    def _get(self, offset: int, validator: str | None) -> requests.Response:
        """GET from ``offset``, following http(s) redirects only; re-sign once on a 403. Without
        the catalog's size, a range from the start: the answer tells the file's size, and a large
        file then goes in parallel pieces. A resume names the edition it holds (``If-Range``): a
        server whose file changed sends the whole new one."""
        signer = self.context.signer
        whole = offset == 0 and (self.size is not None or getattr(self, "ranges", None) is None)
        headers = {} if whole else {"Range": f"bytes={offset}-"}
        if offset and validator:
            headers["If-Range"] = validator
        response = http_get(self.context, signed(signer, self.href), self.label, headers)
        if response.status_code == 403 and signer is not None:
            response.close()
            response = http_get(self.context, signed(signer, self.href, refresh=True), self.label, headers)
        return response

    def _accept(self, response: requests.Response, offset: int, edition: Edition) -> tuple[int, int | None]:
        """Where the body starts and the file's total size; raise for an unusable response (for a
        resumed part, one from another edition of the file)."""
        status = response.status_code
        if status == 416 and offset:
            total = response.headers.get("Content-Range", "").rpartition("/")[2]
            if total.isdigit() and int(total) == offset:
                return offset, offset  # the part file already holds the whole file
            self._restart()
            raise TransientError(f"The partial file of {self.label} did not match the server's file.")
        if status == 429 or status >= 500 or status == 408:
            raise server_error(status, self.label, response.headers)
        if status == 403 and self.context.signer is not None:  # refused even freshly signed: the
            # token may have been revoked in between (it expired again): worth another attempt
            raise TransientError(f"Access to {self.label} was refused (HTTP 403) with a fresh signature.")
        if status == 206:
            match = re.fullmatch(
                r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", "").strip()
            )
            if not match or int(match[1]) != offset:
                self._restart()
                raise TransientError(f"The server sent an unexpected byte range of {self.label}.")
            start, total = offset, (int(match[2]) if match[2] != "*" else None)
        elif status == 200:  # the whole file: from the start, whatever the part holds
            length = response.headers.get("Content-Length")
            start, total = 0, (int(length) if length and length.isdigit() else None)
        else:
            raise client_error(status, self.label)
        if start == 0 and response.headers.get("Content-Type", "").lower().startswith("text/html"):
            raise self._web_page(response)
        check_size(total, self.size, self.label)
        if start == 0 and offset:  # the whole file after all: what the part held goes
            edition = Edition(self.part, kept=False)
        if not edition.admits(response.headers):
            self._restart()  # the rest of another edition than the part's
            raise FileChanged(self.label)
        return start, total

    def _stream(self, response: requests.Response, start: int, total: int | None) -> None:
        if start and not self.tally.resumed_from:
            self.tally.resumed_from = start
        received = 0
        fraction_sent = -1.0
        oversized = False
        hashers = {name: hashlib.new(name) for name in self.digest_names()} if start == 0 else None
        try:
            with self._open_part(append=start > 0) as handle:
                for chunk in body_chunks(response, _CHUNK):
                    if start == 0 and received == 0 and _starts_like_html(chunk):
                        raise self._web_page(response)
                    if self.size is not None and start + received + len(chunk) > self.size:
                        oversized = True  # a body without a length that runs past the catalog's size
                        break
                    self._write(handle, chunk)
                    for hasher in (hashers or {}).values():  # in order: hashed as it arrives
                        hasher.update(chunk)
                    received += len(chunk)
                    self.tally.transferred += len(chunk)
                    if total:
                        fraction = (start + received) / total
                        if fraction - fraction_sent >= 0.01:
                            self.jobs.report(self.band, "downloading", fraction)
                            fraction_sent = fraction
                    self.jobs.check()
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            self.jobs.check()
            log.debug("band %s: %s", self.band, scrub(str(error)))
            raise TransientError(f"Fetching {self.label} failed: {_reason(error)}.") from None
        finally:
            if start == 0 and received == 0 and self.part.exists() and self.part.stat().st_size == 0:
                self._restart()
        if oversized:
            self._restart()
            raise TransientError(
                f"The server sent more than the {self.size} bytes the catalog gives for {self.label}; "
                "the catalog entry may be stale, try another scene."
            )
        if total is not None and start + received < total:
            raise TransientError(
                f"The connection closed before the end of {self.label} ({start + received} of {total} bytes)."
            )
        if hashers is not None:
            self.digests = {name: hasher.hexdigest() for name, hasher in hashers.items()}

    def _web_page(self, response: requests.Response) -> TransientError:
        return TransientError(
            f"The server sent a web page instead of the raster {self.label} (HTTP {response.status_code}); "
            "the service may be down or need a login."
        )

    def _open_part(self, append: bool) -> BinaryIO:
        """The part file, open to write (a failure is the folder's, not the network's)."""
        try:
            return self.part.open("ab" if append else "wb")
        except OSError as error:
            raise disk_error(self.part, error) from None

    def _write(self, handle: Any, chunk: bytes) -> None:
        try:
            handle.write(chunk)
        except OSError as error:
            raise disk_error(self.part, error) from None

    def _copy_local(self) -> None:
        path = self.source.path
        assert path is not None
        if not path.is_file():
            raise DownloadError(f"Band {self.band} points at {path}, which does not exist.")
        try:
            with path.open("rb") as src, self._open_part(append=False) as dst:
                total = max(path.stat().st_size, 1)
                while chunk := src.read(4 * _CHUNK):
                    self._write(dst, chunk)
                    self.tally.transferred += len(chunk)
                    self.jobs.report(self.band, "copying", dst.tell() / total)
                    self.jobs.check()
        except OSError as error:
            raise DownloadError(f"Could not read {path}: {error.strerror}.") from None

    def _restart(self) -> None:
        from .ranges import discard_part

        self.digests = None
        discard_part(self.part)

    # verifying -------------------------------------------------------------------------------

    def _verify(self) -> str:
        """The part file's sha256 if it is the catalog's file and a raster; otherwise it goes."""
        self.jobs.report(self.band, "verifying", 1.0)
        wanted = parse_checksum(self.checksum) if self.checksum else None
        if self.checksum and wanted is None:
            log.warning("band %s: unknown file:checksum form %r, not verified", self.band, self.checksum)
        names = {"sha256", wanted[0]} if wanted else {"sha256"}
        digests = self.digests
        if digests is None or set(digests) != names:  # not hashed while fetched (a resume, a copy)
            digests = hash_file(self.part, names, self.jobs)
        self.digests = None
        actual, sha256 = self.part.stat().st_size, digests["sha256"]
        if self.size is not None and actual != self.size:
            self._reject(f"{self.label} has {actual} bytes but the catalog says {self.size}", sha256)
        if wanted and digests[wanted[0]] != wanted[1]:
            self._reject(f"{self.label} does not match the catalog's {wanted[0]} checksum", sha256)
        dataset = open_raster(self.part)
        if dataset is None:
            self._restart()
            raise TransientError(
                f"{self.label} is not a readable raster; the server may have sent an error page."
            )
        dataset = None
        return digests["sha256"]

    def _reject(self, problem: str, sha256: str) -> None:
        """Drop the part file and fetch the whole file again: a transfer (or a resume) can garble
        bytes once, but the very same bytes refused twice mean the catalog entry is wrong."""
        self._restart()
        if sha256 in self.rejected:
            raise DownloadError(
                f"{problem}, twice; the catalog entry may be stale, try another scene or catalog."
            )
        self.rejected.add(sha256)
        raise TransientError(f"{problem}.")


@raising
def download_bands(
    band_urls: dict[str, str],
    output_dir: Path,
    item_id: str,
    *,
    parallel_downloads: int = 4,
    max_retries: int = 3,
    expected: Mapping[str, ResolvedAsset] | None = None,
    progress_callback: Progress | None = None,
    cancel: Cancel | None = None,
    signer: Signer | None = None,
    allow_local: bool = False,
    timeout: float = 30.0,
    retry_policy: RetryPolicy | None = None,
    proxy: Proxy | None = None,
) -> dict[str, BandDownloadResult]:
    """Download whole band files to ``<output_dir>/<band>.tif``, verified, in parallel (a whole
    file clip mode kept, ``<band>.source.tif``, is taken over by renaming if still the catalog's,
    and removed once the band is downloaded again instead).

    ``expected`` gives each band's catalog ``file:size`` / ``file:checksum``; ``max_retries`` is
    the number of retries after the first attempt; ``timeout`` bounds each connect and each wait
    for data; ``proxy`` is the HTTP proxy named by the caller (proxy.py). Progress statuses: started,
    downloading, copying, retrying, verifying, done, skipped, failed. A band that fails gets
    ``success=False`` and a one-sentence ``error``; a cancel raises (CancelledError), leaving
    partial data only in ``.part`` files, and so does a failure every band shares (SharedError: the
    output folder full or not writable, the proxy's login refused).
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    from .ranges import DOWNLOAD_CONNECTIONS, RangePool  # large files go in parallel pieces

    # every band at once: large files share the range pool's connections (which bound the
    # requests in flight), so no band waits for another to finish
    # (one-stream downloads, of small files or from servers without ranges, stay within
    # parallel_downloads at a time)
    jobs = BandJobs(cancel, progress_callback, max(parallel_downloads, len(band_urls)))
    connections = max(parallel_downloads, DOWNLOAD_CONNECTIONS)
    with LazySession(connections) as session:
        context = FetchContext(
            jobs,
            signer,
            allow_local,
            timeout,
            max_retries,
            retry_policy or RetryPolicy(),
            session,
            Gate(max(1, parallel_downloads)),
            proxy,
        )
        tasks = {}
        for band, href in band_urls.items():
            final = output_dir / f"{safe_name(band)}.tif"
            asset = (expected or {}).get(band)
            tasks[band] = _WholeFile(context, band, href, final, asset, twin=kept_source(final))
        log.info("scene %s: downloading %d band(s) to %s", item_id, len(tasks), output_dir)
        with RangePool(context, connections) as pool:
            for task in tasks.values():
                task.ranges = pool  # type: ignore[attr-defined]
            results = jobs.run({band: task.run for band, task in tasks.items()}, f"download of {item_id}")
    for band, result in results.items():
        if result.success and not result.skipped:
            tasks[band].drop_twin()
    return results
