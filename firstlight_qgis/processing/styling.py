"""How FirstLight's layers look when they reach the map, and the post-processors that apply it.

Algorithms never touch the project: they ask the context to load their outputs on completion and
attach a post-processor, which QGIS runs on the main thread once the layer is in the project. Each
layer gets its own post-processor: the context takes ownership and deletes it with itself, so one
instance shared by two layers would be deleted twice. This module also keeps a Python reference to
every post-processor it hands out, so the Python half can never be garbage-collected while QGIS
still holds the C++ pointer (the classic "post-processor silently never runs / crashes" pitfall).
Everything a style needs is read from the layer itself: band descriptions (``blue`` ... ``swir22``,
``vv``/``vh``) and the index name the core writes.

The styling functions are public so the dock can style layers it loads itself.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable

from osgeo import gdal
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsFillSymbol,
    QgsMapLayer,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
    QgsRasterMinMaxOrigin,
    QgsRasterShader,
    QgsRectangle,
    QgsRendererCategory,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QColor

from ..core.bands import SENSORS
from ..core.indices import FLOOD_CLASSES, FLOOD_COLOURS, SEVERITY_CLASSES, SEVERITY_COLOURS, WATER_CLASSES
from ..core.polygons import CLASS
from .compat import RANGE_CUMULATIVE_CUT, RANGE_ESTIMATED, STRETCH_TO_MINMAX

STACK = "stack"
PRODUCT = "product"  # an index, water mask, flood extent or burn severity: told by the raster itself
FOOTPRINTS = "footprints"
POLYGONS = "polygons"  # a coded product's polygons: told by their class names

WATER_COLOR = QColor(0, 112, 255)
_CLEAR = QColor(0, 0, 0, 0)  # a class left undrawn: dry, unburned land
CUMULATIVE_CUT = (0.02, 0.98)  # QGIS's own default stretch for multiband imagery
_SAMPLE_SIZE = 250_000
# False colour: NIR as red shows vegetation red and water near black (Landsat's NIR is nir08).
_FALSE_COLOUR = (("nir", "nir08"), ("red",), ("green",))
# Sentinel-1 dual polarisation: VV, VH, VV (water dark, vegetation green, built-up magenta).
_RADAR = (("vv",), ("vh",), ("vv",))
_INDEX_RAMPS = {
    "water": ((-1.0, "#8c510a"), (-0.2, "#dfc27d"), (0.0, "#f5f5f5"), (0.3, "#6baed6"), (1.0, "#08306b")),
    "nbr": ((-1.0, "#67000d"), (-0.1, "#fc9272"), (0.1, "#fff7bc"), (0.4, "#74c476"), (1.0, "#00441b")),
    "ndvi": ((-1.0, "#8c510a"), (0.0, "#f6e8c3"), (0.3, "#c2e699"), (0.6, "#31a354"), (1.0, "#004529")),
    # Green where land grew back, pale where unchanged, then through the severity classes' bounds.
    "dnbr": (
        (-0.5, "#1a9850"),
        (-0.1, "#d9ef8b"),
        (0.1, "#ffffbf"),
        (0.27, "#fee08b"),
        (0.44, "#fc8d59"),
        (0.66, "#d73027"),
        (1.0, "#67001f"),
    ),
}

_WATER_INDICES = ("ndwi", "mndwi")


def _band_names(layer: QgsRasterLayer) -> list[str]:
    """Band descriptions of the layer's file, lower case ('' where a band has none)."""
    dataset = None
    with contextlib.suppress(RuntimeError):
        dataset = gdal.Open(layer.source())
    if dataset is None:
        return [""] * layer.bandCount()
    return [
        (dataset.GetRasterBand(i).GetDescription() or "").strip().lower()
        for i in range(1, dataset.RasterCount + 1)
    ]


def composite_bands(names: list[str]) -> tuple[int, int, int] | None:
    """1-based (red, green, blue) bands of the false-colour composite of a stack, or None.

    Bands are found by description; a stack without descriptions is read in the canonical order
    of the sensor with that many bands (6: Sentinel-2 / Landsat, 2: Sentinel-1).
    """
    for recipe in (_FALSE_COLOUR, _RADAR):
        found = [next((names.index(n) + 1 for n in choices if n in names), None) for choices in recipe]
        if None not in found:
            return found[0], found[1], found[2]  # type: ignore[return-value]
    if not any(names):
        for sensor in SENSORS.values():
            order = list(sensor.canonical_order)
            if len(order) == len(names):
                recipe = _RADAR if "vv" in order else _FALSE_COLOUR
                found = [
                    next((order.index(n) + 1 for n in choices if n in order), None) for choices in recipe
                ]
                if None not in found:
                    return found[0], found[1], found[2]  # type: ignore[return-value]
    return None


def _stretch(layer: QgsRasterLayer, band: int) -> QgsContrastEnhancement:
    provider = layer.dataProvider()
    low, high = provider.cumulativeCut(band, *CUMULATIVE_CUT, QgsRectangle(), _SAMPLE_SIZE)
    if not high > low:
        stats = provider.bandStatistics(band)
        low, high = stats.minimumValue, stats.maximumValue
    enhancement = QgsContrastEnhancement(provider.dataType(band))
    enhancement.setContrastEnhancementAlgorithm(STRETCH_TO_MINMAX, True)
    enhancement.setMinimumValue(low)
    enhancement.setMaximumValue(high)
    return enhancement


def style_stack(layer: QgsRasterLayer) -> bool:
    """False colour (NIR/red/green, or VV/VH/VV) with a 2-98 % cumulative cut stretch per band."""
    bands = composite_bands(_band_names(layer))
    if bands is None:
        return False
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), *bands)
    renderer.setRedContrastEnhancement(_stretch(layer, bands[0]))
    renderer.setGreenContrastEnhancement(_stretch(layer, bands[1]))
    renderer.setBlueContrastEnhancement(_stretch(layer, bands[2]))
    origin = QgsRasterMinMaxOrigin()
    origin.setLimits(RANGE_CUMULATIVE_CUT)
    origin.setCumulativeCutLower(CUMULATIVE_CUT[0])
    origin.setCumulativeCutUpper(CUMULATIVE_CUT[1])
    origin.setStatAccuracy(RANGE_ESTIMATED)
    renderer.setMinMaxOrigin(origin)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return True


def class_names(product: str) -> tuple[str, ...]:
    """The names of a coded product's classes, code 0 first, as the legend and the reports show
    them: ``product`` is "water", "flood" or "severity"."""
    translate = QCoreApplication.translate
    names = {
        "water": (translate("FirstLight", "Dry"), translate("FirstLight", "Water")),
        "flood": (
            translate("FirstLight", "Dry"),
            translate("FirstLight", "Flooded"),
            translate("FirstLight", "Water before the event"),
        ),
        "severity": (
            translate("FirstLight", "Unburned"),
            translate("FirstLight", "Low severity"),
            translate("FirstLight", "Moderate-low severity"),
            translate("FirstLight", "Moderate-high severity"),
            translate("FirstLight", "High severity"),
        ),
    }
    return names[product]


def polygon_classes() -> dict[str, tuple[QColor, str]]:
    """The colour and legend name of each class a product's polygons may have, by the name the
    core gives it ("water", "flooded", "high" ...), in the legend's order."""
    products = (
        ("water", WATER_CLASSES, (WATER_COLOR.name(),)),
        ("flood", FLOOD_CLASSES, FLOOD_COLOURS),
        ("severity", SEVERITY_CLASSES, SEVERITY_COLOURS),
    )
    return {
        name: (QColor(colour), label)
        for product, names, colours in products
        for name, label, colour in zip(names[1:], class_names(product)[1:], colours, strict=True)
    }


def style_water_mask(layer: QgsRasterLayer) -> bool:
    """1 = water in blue; 0 = dry transparent; 255 (no data) not drawn."""
    dry, water = class_names("water")
    return _style_classes(layer, [(1, WATER_COLOR, water), (0, _CLEAR, dry)])


def style_severity(layer: QgsRasterLayer) -> bool:
    """Low to high burn severity yellow, orange, red, purple; unburned transparent."""
    return _style_classes(layer, _from_code_0(class_names("severity"), SEVERITY_COLOURS))


def style_flood_extent(layer: QgsRasterLayer) -> bool:
    """Flooded land light blue over water that was there before dark blue; dry land transparent."""
    return _style_classes(layer, _from_code_0(class_names("flood"), FLOOD_COLOURS))


def _from_code_0(names: tuple[str, ...], colours: tuple[str, ...]) -> list[tuple[int, QColor, str]]:
    """Codes 0, 1, 2 ... named ``names``: 0 transparent, the others in ``colours`` (hex)."""
    colors = [_CLEAR, *(QColor(colour) for colour in colours)]
    return [(code, color, name) for code, (color, name) in enumerate(zip(colors, names, strict=True))]


def _style_classes(layer: QgsRasterLayer, classes: list[tuple[int, QColor, str]]) -> bool:
    """A coded raster (water mask, flood extent, burn severity) drawn by class: (code, colour, name);
    255, its no data, is not drawn."""
    paletted = [QgsPalettedRasterRenderer.Class(code, color, name) for code, color, name in classes]
    layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), 1, paletted))
    layer.triggerRepaint()
    return True


def style_index(layer: QgsRasterLayer, index: str | None = None) -> bool:
    """A colour ramp: water indices white to blue, NBR red (burnt) to green, NDVI brown to green, dNBR
    green (regrowth) to dark red (high severity)."""
    name = (index or _band_names(layer)[0] or "").lower()
    stops = _INDEX_RAMPS["water" if name in _WATER_INDICES else name if name in _INDEX_RAMPS else "water"]
    ramp = QgsColorRampShader(stops[0][0], stops[-1][0])
    ramp.setColorRampItemList(
        [QgsColorRampShader.ColorRampItem(value, QColor(color), f"{value:g}") for value, color in stops]
    )
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(stops[0][0])
    renderer.setClassificationMax(stops[-1][0])
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return True


def style_product(layer: QgsRasterLayer) -> bool:
    """A FirstLight index, water mask, flood extent or burn severity, told apart by the band
    description the core writes."""
    name = _band_names(layer)[0] if layer.bandCount() else ""
    if name == "water":
        return style_water_mask(layer)
    if name == "severity":
        return style_severity(layer)
    if name == "flood":
        return style_flood_extent(layer)
    return style_index(layer, name or None)


def style_footprints(layer: QgsVectorLayer) -> bool:
    """Scene footprints as orange outlines, so the imagery under them stays visible."""
    symbol = QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "style": "no", "outline_color": "255,127,0", "outline_width": "0.6"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    layer.triggerRepaint()
    return True


def style_polygons(layer: QgsVectorLayer) -> bool:
    """Each class of a product's polygons filled in its raster's colour, half see-through so the
    imagery shows under it, and outlined in it."""
    present = layer.uniqueValues(layer.fields().indexOf(CLASS))
    categories = []
    for name, (color, label) in polygon_classes().items():
        if name in present:
            fill = QColor(color)
            fill.setAlpha(128)
            symbol = QgsFillSymbol.createSimple(
                {
                    "color": fill.name(QColor.NameFormat.HexArgb),
                    "outline_color": color.name(),
                    "outline_width": "0.3",
                }
            )
            categories.append(QgsRendererCategory(name, symbol, label))
    layer.setRenderer(QgsCategorizedSymbolRenderer(CLASS, categories))
    layer.triggerRepaint()
    return True


_STYLES: dict[str, Callable[[QgsMapLayer], bool]] = {
    STACK: style_stack,
    PRODUCT: style_product,
    FOOTPRINTS: style_footprints,
    POLYGONS: style_polygons,
}


class LayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies one of the styles above to a layer Processing has just loaded."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def postProcessLayer(
        self, layer: QgsMapLayer, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> None:
        try:
            _STYLES[self.kind](layer)
        except Exception as error:  # a style must never fail the run
            if feedback is not None:
                feedback.pushWarning(
                    QCoreApplication.translate("FirstLight", "Could not style {name}: {error}").format(
                        name=layer.name(), error=error
                    )
                )


# Python references to the post-processors handed to QGIS (which owns and deletes their C++ side).
_ALIVE: deque[LayerStyler] = deque(maxlen=1024)


def post_processor(kind: str) -> LayerStyler:
    """A new post-processor applying ``kind`` (STACK, PRODUCT, FOOTPRINTS or POLYGONS), kept
    referenced here."""
    if kind not in _STYLES:
        raise KeyError(kind)
    styler = LayerStyler(kind)
    _ALIVE.append(styler)
    return styler


def load_on_completion(
    context: QgsProcessingContext, path: str, name: str, kind: str | None, output_name: str = ""
) -> None:
    """Ask the context to load ``path`` as ``name`` when the run completes, styled as ``kind``.

    Without a project (``qgis_process``) nothing is loaded, nor in a model's step: a model loads its
    own outputs only, and a step's other layers are for the steps after it.
    """
    project = context.project()
    if project is None or _in_model(context):
        return
    details = QgsProcessingContext.LayerDetails(name, project, output_name)
    if kind is not None:
        details.setPostProcessor(post_processor(kind))
    context.addLayerToLoadOnCompletion(path, details)


def _in_model(context: QgsProcessingContext) -> bool:
    """Whether the run is a model's step: a model gives each step's expressions the scope
    "algorithm_inputs" (its inputs and the results before it; a name QGIS does not translate, the
    same from 3.22 to 3.40), which a run from the toolbox, a batch or a script has not."""
    return context.expressionContext().indexOfScope("algorithm_inputs") >= 0


def style_on_completion(context: QgsProcessingContext, layer_id: str, kind: str) -> None:
    """Attach the ``kind`` style to an output Processing itself will load (a sink or destination)."""
    if context.willLoadLayerOnCompletion(layer_id):
        context.layerToLoadOnCompletionDetails(layer_id).setPostProcessor(post_processor(kind))
