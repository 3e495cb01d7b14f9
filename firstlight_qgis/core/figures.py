"""What each scene of a run shows, one row per scene, in date order: a flood followed through its
days (rising, then going down), or a fire's scar, from the same figures the log and the manifests
give scene by scene."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from .catalog import Scene
from .indices import EVENT_MARKS, INDEX_BANDS, IndexResult
from .ingest import IngestResult
from .manifest import read_scene


@dataclass(frozen=True)
class SceneFigures:
    """A scene's date, sensor and role (``"event"``, or ``"before"`` for the scene the others are
    compared with), the share of the area's pixels it saw (not clouds, not beyond it: its water
    mask's valid share, else its first product's, else, for a scene that has none, such as the one
    before a burn, its own index's: its NBR), and per product it has of ``EVENT_MARKS``, the share
    of those pixels the product marks (water, flooded, burnt) and their area (None on a grid in
    degrees)."""

    scene_id: str
    date: str
    sensor: str
    role: str
    seen_percent: float | None
    marks: dict[str, tuple[float | None, float | None]]  # product -> (% of the pixels seen, km²)


def scene_figures(
    ingested: list[tuple[Scene, IngestResult]], before: Scene | None = None
) -> list[SceneFigures]:
    """A row for each ``(scene, result)`` of ``ingested``, by date; ``before`` is the scene the
    others were compared with, if any (it is among ``ingested``)."""
    rows = [
        _row(scene.id, scene.datetime, scene.source, scene is before, result.indices)
        for scene, result in ingested
    ]
    return sorted(rows, key=_by_date)


def manifest_figures(folder: Path, scene_ids: list[str]) -> list[SceneFigures]:
    """The same rows, from the manifests the ingest of ``scene_ids`` into ``folder`` wrote; the
    scene compared with is the one another names as its ``pre_event``. A scene whose manifest does
    not read has no row."""
    documents = []
    for scene_id in scene_ids:
        try:
            documents.append(read_scene(folder, scene_id))
        except (OSError, ValueError):
            continue
    before = {(document.get("pre_event") or {}).get("scene") for document in documents}
    rows = []
    for document in documents:
        try:
            scene = document["scene"]
            indices = {name: _index_result(entry) for name, entry in document["indices"].items()}
            rows.append(_row(scene["id"], scene["datetime"], scene["sensor"], scene["id"] in before, indices))
        except (KeyError, TypeError, AttributeError):
            continue
    return sorted(rows, key=_by_date)


def _index_result(entry: dict) -> IndexResult:
    """An ``IndexResult`` as the manifest records it (a field it lacks, of an older one: None)."""
    return IndexResult(**{field.name: entry.get(field.name) for field in fields(IndexResult)})


def _row(
    scene_id: str, when: str, sensor: str, before: bool, indices: dict[str, IndexResult]
) -> SceneFigures:
    products = {name: indices[name] for name in EVENT_MARKS if name in indices}
    own = (index for name, index in indices.items() if name in INDEX_BANDS)  # no change product
    seen = products.get("water") or next(iter(products.values()), None) or next(own, None)
    return SceneFigures(
        scene_id,
        when[:10],
        sensor,
        "before" if before else "event",
        None if seen is None else 100.0 * seen.valid_fraction,
        {
            name: (
                None if index.positive_fraction is None else 100.0 * index.positive_fraction,
                index.positive_km2,
            )
            for name, index in products.items()
        },
    )


def _by_date(row: SceneFigures) -> tuple[str, str]:
    return row.date, row.scene_id


def products_of(rows: list[SceneFigures]) -> list[str]:
    """The products any row has, in ``EVENT_MARKS`` order: the table's columns."""
    return [name for name in EVENT_MARKS if any(name in row.marks for row in rows)]
