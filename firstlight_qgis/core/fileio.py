"""Reads and writes at an offset of a file, on every platform, room taken for a file, and files
removed on the way out of a failure.

Band files are filled out of order, by the burst loop and the retrying threads at once, and hashed
from their start while they fill: positional I/O (``pwrite``, ``preadv``), which no other thread's
seek can disturb. Windows has neither in ``os``: there a read or write seeks, then moves the bytes,
under one lock. Files are opened in binary mode (``O_BINARY``: in text mode, Windows turns every
newline that ``os.write`` writes into CRLF).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import NO_SPACE

POSITIONAL = hasattr(os, "pwrite") and hasattr(os, "preadv")  # else seek and move, locked
_BINARY = getattr(os, "O_BINARY", 0)
_seeking = threading.Lock()


def open_to_write(path: Path, new: bool = False) -> int:
    """A descriptor writing into the existing file at ``path`` (``new``: made anew, empty, with the
    mode of any file written by Python: 0o666 less the umask, not executable), in binary mode."""
    return os.open(path, os.O_WRONLY | _BINARY | (os.O_CREAT | os.O_TRUNC if new else 0), 0o666)


def open_to_read(path: Path) -> int:
    return os.open(path, os.O_RDONLY | _BINARY)


def write_at(fd: int, data: bytes | memoryview, offset: int) -> None:
    """All of ``data`` at ``offset``: a write cut short (a disk filling up) is written on, so the
    disk's error surfaces instead of a silent hole in the file."""
    view = memoryview(data)
    while view:
        written = _write_some(fd, view, offset)
        if written <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        view, offset = view[written:], offset + written


def read_into(fd: int, buffer: memoryview, offset: int) -> int:
    """Bytes of the file from ``offset`` into ``buffer``, at most its length; 0 past the end."""
    if POSITIONAL:
        return os.preadv(fd, [buffer], offset)
    with _seeking:
        os.lseek(fd, offset, os.SEEK_SET)
        data = os.read(fd, len(buffer))
    buffer[: len(data)] = data
    return len(data)


def _write_some(fd: int, view: memoryview, offset: int) -> int:
    if POSITIONAL:
        return os.pwrite(fd, view, offset)
    with _seeking:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.write(fd, view)


_KEEP_SIZE = 1  # FALLOC_FL_KEEP_SIZE: blocks allocated past the end, the file's length unchanged
_fallocate = getattr(ctypes.CDLL(None, use_errno=True), "fallocate64", None) if os.name == "posix" else None
if _fallocate is not None:
    _fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]


def reserve(fd: int, size: int) -> None:
    """Allocate the disk blocks of a file of ``size`` bytes about to be written out of order
    (Linux): a disk without room fails here, before any request (OSError ENOSPC), and the writes
    that follow cost half the kernel time (ext4 reserves no blocks page by page). The file's length
    stays what was written, so a part file's length still tells what it holds. Elsewhere, or on a
    file system without it, nothing is reserved."""
    if _fallocate is None or size <= 0:
        return
    if _fallocate(fd, _KEEP_SIZE, 0, size) != 0:
        code = ctypes.get_errno()
        if code in NO_SPACE:
            raise OSError(code, os.strerror(code))


def clean_up(path: Path) -> None:
    """Remove ``path`` if it is there, on the way out of a failure or of an abandoned attempt. Where
    the folder refuses (read-only, a file held open on Windows) the file stays, under a name that
    says it is not whole, and the error on its way goes on instead of this one."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def make_folder(path: Path) -> list[Path]:
    """Make ``path`` and its missing parents; the folders it made, the deepest first."""
    made = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(parents=True, exist_ok=True)
    return made


@contextlib.contextmanager
def removed_if_empty(made: list[Path]) -> Iterator[None]:
    """On the way out of a failure, remove the folders of ``made`` (``make_folder``'s) that it
    left empty: a failed run leaves no empty folder looking like a result."""
    try:
        yield
    except BaseException:
        for folder in made:  # the deepest first; a folder holding anything stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
