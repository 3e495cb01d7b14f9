"""How a clip splits the spans of tiles under the area into ranges (``ranges.piece_size``) and
writes what they bring (``ranges.Scatter``)."""

from __future__ import annotations

import math
import os
from pathlib import Path

from firstlight_qgis.core.ranges import CLIP_PIECE_MIN, Scatter, piece_size

MB = 1 << 20


def _count(runs: list[int], piece: int) -> int:
    return sum(math.ceil(run / piece) for run in runs)


def test_every_range_goes_at_once_and_none_is_larger_than_it_must_be() -> None:
    """A 20 km clip: 26 rows of tiles over six bands, uneven in size. A size of total/connections
    would make 46 ranges for 32 connections: 14 would wait for the first ones, doubling the time."""
    runs = [int(size * MB) for size in [1.7] * 8 + [1.8] * 7 + [2.0] * 5 + [1.1] * 6]
    piece = piece_size(runs, 32)
    assert _count(runs, piece) <= 32
    assert _count(runs, piece - 1) > 32  # the smallest that does
    assert _count(runs, math.ceil(sum(runs) / 32)) > 32


def test_small_areas_are_not_split_below_the_minimum() -> None:
    assert piece_size([300 << 10] * 6, 64) == CLIP_PIECE_MIN
    assert piece_size([10 << 10], 64) == CLIP_PIECE_MIN


def test_more_spans_than_connections_share_the_bytes_evenly() -> None:
    """Some ranges must wait whatever the size: each connection gets about the same bytes."""
    runs = [4 * MB] * 40 + [2 * MB] * 30
    assert piece_size(runs, 32) == math.ceil(sum(runs) / 32)


def test_tiles_go_to_their_places_and_the_file_counts_as_in_from_its_start(tmp_path: Path) -> None:
    """Three tiles of the source (the third after a gap) placed third, first, second behind a
    10-byte header: a range's bytes land in pieces, the gap nowhere, and the file is only "in" as
    far as it is whole from its start."""
    source = bytes(range(256)) * 2
    part = tmp_path / "band.tif.part"
    part.write_bytes(b"H" * 10)
    fd = os.open(part, os.O_WRONLY)
    try:
        scatter = Scatter(fd, [(100, 150, 70), (150, 170, 120), (200, 260, 10)], 10)
        assert scatter.size == 140 and scatter.whole == 10
        scatter.write(100, source[100:160])  # the first tile whole, the second begun
        assert scatter.whole == 10, "the file's first tile is not in yet"
        scatter.write(160, source[160:230])  # the second whole, the gap, half the third
        assert scatter.whole == 10
        scatter.write(230, source[230:260])
        assert scatter.whole == 140
        scatter.end()
        assert scatter.wait(140) == 140, "no wait once the burst ended"
    finally:
        os.close(fd)
    assert part.read_bytes() == b"H" * 10 + source[200:260] + source[100:150] + source[150:170]
