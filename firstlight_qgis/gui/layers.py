"""Put what ``firstlight:ingest`` produced on the map: one group per scene, styled layers.

The algorithm never touches the project: it asks its context to load the stack, the event's index,
the water mask and the polygons on completion, each with the provider's styling post-processor. The dock does
that loading itself on the main thread, into a group named after the scene, and then runs the very
same post-processors, so the toolbox and the dock give identically styled layers. While it ingests
a scene again, the dock closes the layers that read that scene's files (``release_layers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import (
    QgsDataProvider,
    QgsFeatureRequest,
    QgsLayerTreeGroup,
    QgsMapLayer,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ..core.figures import SceneFigures, products_of
from ..processing.figures import table_features, table_fields
from ..processing.styling import style_footprints
from .messages import log, tr

# Bottom to top inside a scene's group: stack, index, water mask or burn severity, flood extent,
# polygons.
_ORDER = {
    "OUTPUT_STACK": 0,
    "OUTPUT_INDEX": 1,
    "OUTPUT_WATER": 3,
    "OUTPUT_SEVERITY": 3,
    "OUTPUT_FLOOD": 4,
    "OUTPUT_POLYGONS": 5,
}
_VECTOR_OUTPUTS = {"OUTPUT_POLYGONS"}
_HIDDEN_OUTPUTS = {"OUTPUT_INDEX"}  # an opaque ramp: available, but not hiding the stack at first


@dataclass
class SceneLayers:
    scene_id: str
    group: QgsLayerTreeGroup
    layers: list[QgsMapLayer] = field(default_factory=list)


def _scene_of(name: str, path: str, scene_ids: list[str]) -> str:
    for scene_id in sorted(scene_ids, key=len, reverse=True):
        if name == scene_id or name.startswith(f"{scene_id} "):
            return scene_id
    return Path(path).parent.name


def _short_name(name: str, scene_id: str) -> str:
    short = name[len(scene_id) :].strip() if name.startswith(scene_id) else name
    return short or name


def scene_group(project: QgsProject, name: str, below: str | None = None) -> QgsLayerTreeGroup:
    """The top-level group called ``name``; a new one goes on top of the layer tree, or just under
    the layer ``below`` (the footprints) when that layer is on top, so the outlines stay visible."""
    root = project.layerTreeRoot()
    group = root.findGroup(name)
    if group is None:
        children = root.children()
        first = children[0] if children else None
        on_top = below is not None and getattr(first, "layerId", lambda: None)() == below
        group = root.insertGroup(1 if on_top else 0, name)
    return group


def add_ingest_results(
    context: QgsProcessingContext,
    feedback: QgsProcessingFeedback,
    project: QgsProject,
    scene_ids: list[str],
    below: str | None = None,
) -> list[SceneLayers]:
    """Load the layers the ingest asked for into per-scene groups and style them; returns them."""
    pending = []
    for path, details in context.layersToLoadOnCompletion().items():
        scene_id = _scene_of(details.name, path, scene_ids)
        pending.append((_ORDER.get(details.outputName, 2), scene_id, path, details))
    pending.sort(key=lambda entry: (scene_ids.index(entry[1]) if entry[1] in scene_ids else 99, entry[0]))

    added: dict[str, SceneLayers] = {}
    for _, scene_id, path, details in pending:
        name = _short_name(details.name, scene_id)
        vector = details.outputName in _VECTOR_OUTPUTS
        layer = QgsVectorLayer(path, name, "ogr") if vector else QgsRasterLayer(path, name, "gdal")
        if not layer.isValid():
            log(tr("Could not open {path} as a layer.").format(path=path))
            continue
        if scene_id not in added:
            added[scene_id] = SceneLayers(scene_id, scene_group(project, scene_id, below))
        entry = added[scene_id]
        _drop_same_source(project, entry.group, path)
        project.addMapLayer(layer, False)
        node = entry.group.insertLayer(0, layer)
        if details.outputName in _HIDDEN_OUTPUTS:
            node.setItemVisibilityChecked(False)
        processor = details.postProcessor()
        if processor is not None:
            processor.postProcessLayer(layer, context, feedback)
        entry.layers.append(layer)
    for entry in added.values():
        entry.group.setExpanded(True)
        _hide_polygonized(entry)
    return list(added.values())


def _hide_polygonized(entry: SceneLayers) -> None:
    """Hide the raster each polygons layer was made of (``<id>_flood.tif`` under ``<id>_flood.gpkg``):
    the polygons draw its classes in its colours, half see-through, so both shown draw them twice."""
    stems = {layer.id(): path.with_suffix("") for layer in entry.layers if (path := file_of(layer))}
    polygonized = {
        stems[layer.id()]
        for layer in entry.layers
        if isinstance(layer, QgsVectorLayer) and layer.id() in stems
    }
    for layer in entry.layers:
        if isinstance(layer, QgsRasterLayer) and stems.get(layer.id()) in polygonized:
            node = entry.group.findLayer(layer.id())
            if node is not None:
                node.setItemVisibilityChecked(False)


def _drop_same_source(project: QgsProject, group: QgsLayerTreeGroup, path: str) -> None:
    """Re-ingesting a scene replaces its layers instead of stacking duplicates in the group."""
    for node in group.findLayers():
        layer = node.layer()
        if layer is not None and layer.source() == path:
            project.removeMapLayer(layer.id())


@dataclass(frozen=True)
class ReleasedLayer:
    """A layer pointed at nothing while an ingest may replace its file, and what it read."""

    layer_id: str
    source: str
    provider: str


def file_of(layer: QgsMapLayer) -> Path | None:
    """The file a layer reads, if it reads one (not a memory layer or a web service)."""
    path = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source()).get("path")
    return Path(path) if path else None


def release_layers(project: QgsProject, folders: list[Path]) -> list[ReleasedLayer]:
    """Close the layers that read a file under ``folders``, so that an ingest may replace it.

    Windows refuses to replace or remove a file a program holds open, and a layer holds its files
    open: ingesting again a scene whose layers are on the map would stop at its first product.
    Pointed at nothing, a layer closes its files and keeps its place, name and style;
    ``restore_layers`` points it back when the ingest has ended (on every system, so that it then
    shows the new files rather than the ones they replaced)."""
    roots = [folder.resolve() for folder in folders]
    released = []
    for layer in project.mapLayers().values():
        path = file_of(layer)
        if path is None or not any(path.resolve().is_relative_to(root) for root in roots):
            continue
        released.append(ReleasedLayer(layer.id(), layer.source(), layer.providerType()))
        layer.setDataSource("", layer.name(), layer.providerType(), QgsDataProvider.ProviderOptions())
    return released


def restore_layers(project: QgsProject, released: list[ReleasedLayer]) -> None:
    """Point the layers ``release_layers`` closed back at their files (those still in the project);
    a layer whose file the ingest removed stays, marked unavailable by QGIS."""
    for entry in released:
        layer = project.mapLayer(entry.layer_id)
        if layer is not None:
            layer.setDataSource(entry.source, layer.name(), entry.provider, QgsDataProvider.ProviderOptions())


def add_footprints(project: QgsProject, layer: QgsVectorLayer, previous_id: str | None) -> QgsVectorLayer:
    """Replace the previous search's footprints with ``layer`` (a memory layer), on top, styled."""
    if previous_id and project.mapLayer(previous_id) is not None:
        project.removeMapLayer(previous_id)
    layer.setName(tr("FirstLight scenes"))
    style_footprints(layer)
    project.addMapLayer(layer, False)
    project.layerTreeRoot().insertLayer(0, layer)
    return layer


def feature_ids_of(layer: QgsVectorLayer, scene_ids: list[str]) -> list[int]:
    """Ids of the footprints of ``scene_ids`` (the ``id`` attribute written by discover)."""
    wanted = set(scene_ids)
    if not wanted or layer.fields().indexOf("id") < 0:
        return []
    request = QgsFeatureRequest().setSubsetOfAttributes(["id"], layer.fields())
    return [feature.id() for feature in layer.getFeatures(request) if feature["id"] in wanted]


FIGURES_PROPERTY = "firstlight/figures"  # marks the dock's figures table, replaced by the next one


def add_figures(project: QgsProject, rows: list[SceneFigures]) -> QgsVectorLayer | None:
    """The figures of an ingest of several scenes (``core.figures``) as a table in the project, on
    top: a flood followed through its days. It replaces the one an earlier ingest added, which an
    ingest of one scene removes (it was another ingest's). A temporary table (the numbers stay in
    the manifests); None for fewer than two scenes."""
    for layer in list(project.mapLayers().values()):
        if layer.customProperty(FIGURES_PROPERTY):
            project.removeMapLayer(layer.id())
    if len(rows) < 2:
        return None
    products = products_of(rows)
    fields = table_fields(products)
    table = QgsVectorLayer("None", tr("FirstLight figures"), "memory")
    table.dataProvider().addAttributes(fields.toList())
    table.updateFields()
    table.dataProvider().addFeatures(list(table_features(rows, products, table.fields())))
    table.setCustomProperty(FIGURES_PROPERTY, True)
    project.addMapLayer(table, False)
    project.layerTreeRoot().insertLayer(0, table)
    return table
