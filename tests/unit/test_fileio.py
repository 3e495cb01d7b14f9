"""fileio: writes at an offset from several threads at once, and reads back, both ways: with
``pwrite``/``preadv`` (POSIX) and by seek then write under a lock (Windows, which has neither)."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

from firstlight_qgis.core import fileio

CHUNK = 4096


def test_chunks_written_out_of_order_by_threads_make_the_file(positional: bool, tmp_path: Path) -> None:
    data = random.Random(7).randbytes(64 * CHUNK) + b"\n\r\n" * 1000  # newlines stay newlines
    offsets = list(range(0, len(data), CHUNK))
    random.Random(8).shuffle(offsets)
    target = tmp_path / "band.tif.part"
    target.write_bytes(b"")
    fd = fileio.open_to_write(target)
    try:
        threads = [
            threading.Thread(
                target=lambda mine: [fileio.write_at(fd, data[o : o + CHUNK], o) for o in mine],
                args=(offsets[i::8],),
            )
            for i in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.close(fd)
    assert target.read_bytes() == data


def test_reads_at_an_offset_stop_at_the_end_of_the_file(positional: bool, tmp_path: Path) -> None:
    data = random.Random(9).randbytes(10_000)
    path = tmp_path / "file"
    path.write_bytes(data)
    fd = fileio.open_to_read(path)
    buffer = memoryview(bytearray(4096))
    try:
        assert fileio.read_into(fd, buffer, 3000) == 4096 and bytes(buffer) == data[3000:7096]
        assert fileio.read_into(fd, buffer, 9000) == 1000 and bytes(buffer[:1000]) == data[9000:]
        assert fileio.read_into(fd, buffer, 10_000) == 0
    finally:
        os.close(fd)
