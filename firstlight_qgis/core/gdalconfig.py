"""GDAL settings for a block of code, on the calling thread only: QGIS and other plugins share
the process and its global GDAL configuration, which FirstLight never changes."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import ParamSpec, TypeVar

from osgeo import gdal

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

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with thread_config(ALL_CORES):
            return function(*args, **kwargs)

    return wrapper
