"""One ingest per scene folder at a time: across threads, processes and platforms.

Two ingests of one scene into one folder would write the same band, stack and manifest files at
once. ``scene_lock`` makes the second one wait (``wait_s``) or fail with a ``SceneBusyError``.

The lock is a file, ``<scene folder>/.firstlight.lock``, created with ``O_CREAT | O_EXCL`` (atomic
on local file systems, Windows included, so no ``fcntl`` / ``msvcrt`` is needed) and holding its
owner's host, pid and a random token; it is removed on release. A lock left behind by a process
that died (a crash, a SIGKILL, a power cut) is stale: a later ingest on the same host sees that the
pid is gone and takes the lock over. A lock held from another host (a network share) is never
broken automatically: the error says which file to delete if no ingest is running there.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import CancelledError, SceneBusyError
from .fileio import clean_up

LOCK_NAME = ".firstlight.lock"
_POLL_S = 0.2
_UNREADABLE_GRACE_S = 10.0  # a lock file still empty after this long belongs to a process that died
_PROCESS = secrets.token_hex(8)  # tells this process from an earlier one that had the same pid
_released: set[str] = set()  # the tokens of the locks this process let go of


@contextlib.contextmanager
def scene_lock(
    folder: Path,
    *,
    wait_s: float = 0.0,
    cancel: Callable[[], bool] | None = None,
    what: str = "this scene",
) -> Iterator[Path]:
    """Hold ``folder``'s lock for the duration of the block; yields the lock file's path.

    Waits up to ``wait_s`` seconds for another holder (polling ``cancel``), then raises
    ``SceneBusyError``; ``what`` names the work in that message.
    """
    path = Path(folder) / LOCK_NAME
    mine = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "process": _PROCESS,
        "token": secrets.token_hex(8),
        "since": time.time(),
    }
    deadline = time.monotonic() + max(0.0, wait_s)
    while not _create(path, mine):
        holder = _read(path)
        if holder is not None and _stale(path, holder):
            _break(path, holder)
            continue
        if cancel is not None and cancel():
            raise CancelledError("Ingest cancelled while waiting for another ingest of the same scene.")
        if time.monotonic() >= deadline:
            raise SceneBusyError(_busy_message(path, holder, what))
        time.sleep(_POLL_S)
    try:
        yield path
    finally:
        holder = _read(path)
        if holder is not None and holder.get("token") == mine["token"]:
            _released.add(mine["token"])  # stale from now on, even if the system refuses to remove it
            clean_up(path)  # (a folder gone read-only: the run's own error goes on)


def _create(path: Path, record: dict[str, Any]) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
    except BaseException:  # a full disk: no empty lock file left to block the next run
        clean_up(path)
        raise
    return True


def _read(path: Path) -> dict[str, Any] | None:
    """The holder's record; ``{}`` for a file being written or garbled; None when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def _stale(path: Path, holder: dict[str, Any]) -> bool:
    """Whether the holder is certainly gone (only decidable on this host)."""
    pid = holder.get("pid")
    if not isinstance(pid, int):  # empty or garbled: being written now, or its writer died
        try:
            return time.time() - path.stat().st_mtime > _UNREADABLE_GRACE_S
        except FileNotFoundError:
            return False
    if holder.get("host") != socket.gethostname():
        return False
    if pid == os.getpid():  # unless released, another thread of this process holds it
        return holder.get("process") != _PROCESS or holder.get("token") in _released
    return not _pid_alive(pid)


def _break(path: Path, holder: dict[str, Any]) -> None:
    """Remove a stale lock, unless it changed since it was judged stale (another ingest broke it
    and took the lock in between)."""
    if _read(path) == holder:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _busy_message(path: Path, holder: dict[str, Any] | None, what: str) -> str:
    holder = holder or {}
    who = f"process {holder.get('pid', '?')} on {holder.get('host', 'this computer')}"
    return (
        f"Another FirstLight ingest ({who}) is writing {what} into {path.parent} right now; wait for it "
        f"to finish or choose another output folder (if no ingest is running, delete {path})."
    )


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence check only (on Windows it would kill: see above)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    process_query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
