"""Two ingests of the same scene into the same folder at once (two QGIS windows, a model and the
dock, two qgis_process runs): the second one fails at once with a clear error, or waits when
asked to, and the files are never written by both (they end identical to a clean run's)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from firstlight_qgis.core.errors import SceneBusyError
from firstlight_qgis.core.lock import LOCK_NAME, scene_lock
from tests.reliability.harness import ITEM_ID, MODES, compare, options, run, scene_of
from tests.reliability.test_crash import _start_child

pytestmark = pytest.mark.integration


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _holder(lock: Path) -> dict | None:
    """The lock's record once its holder has written it: the file is created empty, then filled
    (read in between, it failed this test once)."""
    try:
        return json.loads(lock.read_text())
    except (FileNotFoundError, ValueError):
        return None


def test_a_second_process_fails_clearly_or_waits_and_then_reuses_everything(
    server, reference, item, area, tmp_path, record
) -> None:
    out = tmp_path / "out"
    lock = out / ITEM_ID / LOCK_NAME
    server.throttle_bps = 400_000  # the first ingest takes ~1.5 s
    child = _start_child(tmp_path, item, out, "whole")
    try:
        _wait_for(lambda: _holder(lock) is not None)
        holder = _holder(lock)
        assert holder["pid"] == child.pid
        with pytest.raises(SceneBusyError) as busy:
            run(scene_of(item, area), out, area, "whole")
        message = str(busy.value)
        assert f"process {child.pid}" in message and str(out / ITEM_ID) in message and "\n" not in message

        began = time.monotonic()
        result = run(scene_of(item, area), out, area, "whole", options=options("whole", lock_wait_s=60))
        waited = time.monotonic() - began
    finally:
        server.throttle_bps = None
        child.wait(timeout=60)
    assert child.returncode == 0, child.stdout.read()
    check = compare(out, reference["whole"]["root"], "whole")
    record(
        fault="two ingests at once (2 processes)",
        mode="whole",
        faults=1,
        completed=True,
        identical=check.identical,
        clear_error=True,
        resent=server.bytes_sent() - reference["whole"]["bytes"],
        leftovers=len(check.leftovers),
        note=f"the 2nd failed clearly, then waited {waited:.1f} s and reused every band",
    )
    assert check.identical, check
    assert all(band.skipped and band.bytes_transferred == 0 for band in result.bands.values())
    assert not lock.exists()


@pytest.mark.parametrize("mode", MODES)
def test_two_threads_of_one_process_never_write_together(
    server, reference, item, area, tmp_path, mode, record
) -> None:
    """Two tasks of one QGIS process (same pid): the lock still lets only one in."""
    server.throttle_bps = 1_000_000
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def ingest() -> None:
        start.wait()
        try:
            outcomes.append(run(scene_of(item, area), tmp_path, area, mode))
        except SceneBusyError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=ingest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    server.throttle_bps = None
    busy = [o for o in outcomes if isinstance(o, SceneBusyError)]
    check = compare(tmp_path, reference[mode]["root"], mode)
    record(fault="two ingests at once (2 threads)", mode=mode, faults=1, completed=True,
           clear_error=bool(busy), identical=check.identical, leftovers=len(check.leftovers))  # fmt: skip
    assert len(outcomes) == 2 and len(busy) == 1, outcomes
    assert check.identical, check


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_lock_left_by_a_dead_process_is_taken_over(server, reference, item, area, tmp_path) -> None:
    scene_dir = tmp_path / ITEM_ID
    scene_dir.mkdir()
    stale = {"host": socket.gethostname(), "pid": _dead_pid(), "process": "x", "token": "y", "since": 0}
    (scene_dir / LOCK_NAME).write_text(json.dumps(stale))
    run(scene_of(item, area), tmp_path, area, "whole")
    assert compare(tmp_path, reference["whole"]["root"], "whole").identical
    assert not (scene_dir / LOCK_NAME).exists()


def test_an_empty_lock_file_is_taken_over_only_once_it_is_old(tmp_path) -> None:
    """A process that died between creating the lock file and writing into it."""
    (tmp_path / LOCK_NAME).write_text("")
    with pytest.raises(SceneBusyError), scene_lock(tmp_path):
        pass
    old = time.time() - 60
    os.utime(tmp_path / LOCK_NAME, (old, old))
    with scene_lock(tmp_path) as path:
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_lock_held_from_another_computer_is_never_broken(tmp_path) -> None:
    """On a network share the pid means nothing here: the user is told which file to delete."""
    holder = {"host": "analyst-laptop", "pid": _dead_pid(), "process": "x", "token": "y", "since": 0}
    (tmp_path / LOCK_NAME).write_text(json.dumps(holder))
    with pytest.raises(SceneBusyError, match="analyst-laptop") as busy, scene_lock(tmp_path, wait_s=0.3):
        pass
    assert f"delete {tmp_path / LOCK_NAME}" in str(busy.value)
    assert (tmp_path / LOCK_NAME).exists()


def test_waiting_for_the_lock_can_be_cancelled(tmp_path) -> None:
    from firstlight_qgis.core.errors import CancelledError

    began = time.monotonic()
    with (
        scene_lock(tmp_path),
        pytest.raises(CancelledError),
        scene_lock(tmp_path, wait_s=30, cancel=lambda: time.monotonic() - began > 0.3),
    ):
        pass
    assert time.monotonic() - began < 1.5
