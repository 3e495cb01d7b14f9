"""GDAL settings for a block of code: QGIS and other plugins share the process and its global
GDAL configuration, which FirstLight changes only while its own work runs."""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ParamSpec, TypeVar

from osgeo import gdal, ogr, osr

P = ParamSpec("P")
R = TypeVar("R")

# GTiff decodes the tiles of one read, and compresses the tiles of one write, on every core: an
# index, the stack's validation and the quicklook of a 20 km area took a third less time on two.
ALL_CORES = {"GDAL_NUM_THREADS": "ALL_CPUS"}


@contextlib.contextmanager
def thread_config(options: Mapping[str, str]) -> Iterator[None]:
    """Apply GDAL config ``options`` to this thread only, for the duration of the block."""
    previous = {key: gdal.GetThreadLocalConfigOption(key, None) for key in options}
    for key, value in options.items():
        gdal.SetThreadLocalConfigOption(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            gdal.SetThreadLocalConfigOption(key, value)


def on_all_cores(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with ``ALL_CORES``."""
    return _within(lambda: thread_config(ALL_CORES), function)


class _Raising:
    """GDAL, OGR and OSR raising Python exceptions while any FirstLight call runs, on any of its
    threads, and as they were before once the last one ends. The switch is global to the process
    (per thread only from GDAL 3.7), so it is counted across threads; and QGIS before 3.38 leaves
    it off, for plugins and Processing's own GDAL tools that test return codes for None."""

    modules = (gdal, ogr, osr)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0
        self._before: tuple[int, ...] = ()

    def __enter__(self) -> None:
        with self._lock:
            if self._calls == 0:
                self._before = tuple(module.GetUseExceptions() for module in self.modules)
            self._calls += 1
            for module in self.modules:
                if not module.GetUseExceptions():
                    module.UseExceptions()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._calls -= 1
            if self._calls == 0:
                # in reverse: GDAL stacks the modules' error handlers as they are switched on
                for module, before in reversed(list(zip(self.modules, self._before, strict=True))):
                    if not before and module.GetUseExceptions():
                        # refused if other code switched a module on since: it then stays on
                        with contextlib.suppress(RuntimeError):
                            module.DontUseExceptions()


gdal_exceptions = _Raising()


def raising(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with GDAL exceptions on (``gdal_exceptions``): every entry point of the
    core that reaches GDAL, whose errors it catches as RuntimeError."""
    return _within(lambda: gdal_exceptions, function)


def _within(
    block: Callable[[], contextlib.AbstractContextManager[object]], function: Callable[P, R]
) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with block():
            return function(*args, **kwargs)

    return wrapper


# GDAL's dataset destructors as Python names them: a raster's, an OGR data source's (before GDAL 3.8).
_DESTRUCTORS = frozenset({"delete_Dataset", "delete_DataSource"})


class _CloseErrors:
    """What GDAL's dataset destructors (``_DESTRUCTORS``) raise inside the block, collected for the
    thread that runs it: a close that fails (a full disk: the TIFF directory cannot be written)
    raises in a destructor, where Python can only print "Exception ignored". ``sys.unraisablehook``
    is one for the process: it is replaced while any thread is inside, and restored when the last
    one leaves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._collecting: dict[int, list[BaseException]] = {}
        self._previous = sys.unraisablehook

    def _collect(self, unraisable: Any) -> None:
        failed = self._collecting.get(threading.get_ident())
        if failed is not None and getattr(unraisable.object, "__name__", None) in _DESTRUCTORS:
            failed.append(unraisable.exc_value)
        else:
            self._previous(unraisable)

    @contextlib.contextmanager
    def __call__(self) -> Iterator[list[BaseException]]:
        thread, failed = threading.get_ident(), []
        with self._lock:
            if not self._collecting:
                self._previous, sys.unraisablehook = sys.unraisablehook, self._collect
            outer = self._collecting.get(thread)
            self._collecting[thread] = failed
        try:
            yield failed
        finally:
            with self._lock:
                if outer is None:
                    del self._collecting[thread]
                else:
                    self._collecting[thread] = outer
                if not self._collecting:
                    sys.unraisablehook = self._previous


close_errors = _CloseErrors()


def close_whole(*holders: list[Any] | dict[Any, Any]) -> None:
    """Close the datasets being written that ``holders`` hold (cleared in order, so that bands go
    before their datasets); the first close that failed is raised: its file is not whole."""
    with close_errors() as failed:
        for holder in holders:
            holder.clear()
    if failed:
        raise failed[0]


def close_after(error: BaseException, *holders: list[Any] | dict[Any, Any]) -> None:
    """After ``error``, close the datasets that ``holders`` hold, their own failures ignored (on a
    full disk they fail too: ``error`` is the one to raise). The error's traceback goes first: its
    frames hold the bands being written, and so the files open (undeletable on Windows, written to
    after their deletion elsewhere); dropping it may close one, which is collected too."""
    with close_errors():
        error.__traceback__ = None
        for holder in holders:
            holder.clear()
