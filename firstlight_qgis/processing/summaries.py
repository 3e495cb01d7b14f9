"""What a run says of the coded products it wrote (water mask, flood extent, burn severity): how
much of the valid pixels they mark and, on a grid in metres, how many km², what a report needs."""

from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication

from ..core.indices import IndexResult
from ..core.polygons import PolygonResult
from .styling import class_names, polygon_classes


def product_summary(result: IndexResult) -> list[str]:
    """The lines for ``result``, a product named "water", "flood" or "severity"; with no valid
    pixel, that no pixel was seen (a run that said nothing read as "no water")."""
    translate = QCoreApplication.translate
    if result.positive_fraction is None:
        return [
            translate("FirstLight", "No pixel of the area was seen (clouds, beyond the scene): no figure.")
        ]
    shares = {
        "water": translate("FirstLight", "Water: {share:.1%} of the valid pixels."),
        "flood": translate("FirstLight", "Flooded (water now, dry before): {share:.1%} of the valid pixels."),
        "severity": translate("FirstLight", "Burnt (dNBR 0.1 or more): {share:.1%} of the valid pixels."),
    }
    lines = [
        shares[result.name].format(share=result.positive_fraction)
        + area_sentence(result.positive_km2)
        + _hidden_sentence(result.valid_fraction)
    ]
    if result.name == "severity" and result.areas_km2 is not None:
        names = class_names("severity")[1:]  # unburned left out
        areas = list(result.areas_km2.values())[1:]
        by_class = ", ".join(f"{name} {area:.2f} km²" for name, area in zip(names, areas, strict=True))
        lines.append(translate("FirstLight", "By class: {classes}.").format(classes=by_class))
    return lines


def _hidden_sentence(valid_fraction: float) -> str:
    """What a report must say beside a share and an area measured on part of the area only: how
    much of it no data hides (clouds, and in a clip the area's pixels beyond the scene, whether its
    file ends there or holds no data: ``IndexResult.valid_fraction``); nothing under 1 %."""
    hidden = 1.0 - valid_fraction
    if hidden < 0.01:
        return ""
    return " " + QCoreApplication.translate(
        "FirstLight",
        "No data (clouds, beyond the scene) hides {hidden:.0%} of the pixels: these are of what is seen.",
    ).format(hidden=hidden)


def area_sentence(km2: float | None) -> str:
    """The sentence that ends a line with the area, " Area: 12.34 km²."; nothing when it is not known."""
    if km2 is None:
        return ""
    return " " + QCoreApplication.translate("FirstLight", "Area: {area:.2f} km².").format(area=km2)


def polygon_summary(result: PolygonResult) -> list[str]:
    """How many polygons ``result`` holds, the smallest patch kept, and their area by class."""
    translate = QCoreApplication.translate
    lines = [_polygon_count(result.features, result.min_pixels)]
    if result.areas_km2:
        labels = polygon_classes()
        by_class = ", ".join(f"{labels[name][1]} {area:.2f} km²" for name, area in result.areas_km2.items())
        lines.append(translate("FirstLight", "Polygons by class: {classes}.").format(classes=by_class))
    return lines


def _polygon_count(count: int, pixels: int) -> str:
    """How many polygons, and the smallest patch kept, each noun singular for one: four whole
    sentences rather than pieces, so that each language words its own."""
    translate = QCoreApplication.translate
    sentences = {
        (True, True): translate("FirstLight", "1 polygon (patches of 1 pixel or more)."),
        (True, False): translate("FirstLight", "1 polygon (patches of {pixels} pixels or more)."),
        (False, True): translate("FirstLight", "{count} polygons (patches of 1 pixel or more)."),
        (False, False): translate("FirstLight", "{count} polygons (patches of {pixels} pixels or more)."),
    }
    return sentences[count == 1, pixels == 1].format(count=count, pixels=pixels)
