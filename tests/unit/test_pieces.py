"""How a clip splits the spans of tiles under the area into ranges (``ranges.piece_size``)."""

from __future__ import annotations

import math

from firstlight_qgis.core.ranges import CLIP_PIECE_MIN, piece_size

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
