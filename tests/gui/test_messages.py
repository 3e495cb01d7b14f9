"""Errors reach the message bar as one sentence, whatever the algorithm raised."""

from __future__ import annotations

from firstlight_qgis.gui.dock import format_km2, template_pattern
from firstlight_qgis.gui.messages import one_sentence


def test_one_sentence_of_an_error() -> None:
    assert one_sentence("The catalog at x could not be reached:\n check the URL.") == (
        "The catalog at x could not be reached:"
    )
    traceback = 'Traceback (most recent call last):\n  File "a.py", line 1, in f\nValueError: bad value\n'
    assert one_sentence(traceback) == "ValueError: bad value"
    assert one_sentence("  \n", "fallback") == "fallback"


def test_progress_messages_are_read_back_from_their_template() -> None:
    pattern = template_pattern("Band {band}: {status}")
    match = pattern.match("Band swir16: done")
    assert match["band"] == "swir16" and match["status"] == "done"
    assert pattern.match("Stack: /x/y.vrt") is None
    scene = template_pattern("Ingesting scene {n}/{total}: {id} ({sensor}, {date}, {mode}).")
    assert scene.match("Ingesting scene 1/2: S2_A (sentinel2, 2018-12-24, whole scene).")["id"] == "S2_A"


def test_km2_format() -> None:
    assert format_km2(0.0123).startswith("0.012")
    assert format_km2(74.6).endswith("km²")
