"""What each scene of a run shows, one row per scene, in date order: a flood followed through its
days (rising, then going down), or a fire's scar, from the same figures the log and the manifests
give scene by scene."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Scene
from .indices import EVENT_MARKS
from .ingest import IngestResult


@dataclass(frozen=True)
class SceneFigures:
    """A scene's date, sensor and role (``"event"``, or ``"before"`` for the scene the others are
    compared with), the share of the pixels it saw (not clouds, not beyond it: its water mask's
    valid share, else its first product's), and per product it has of ``EVENT_MARKS``, the share of
    those pixels the product marks (water, flooded, burnt) and their area (None on a grid in
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
    rows = []
    for scene, result in ingested:
        products = {name: result.indices[name] for name in EVENT_MARKS if name in result.indices}
        seen = products.get("water") or next(iter(products.values()), None)  # the scene's own sight
        rows.append(
            SceneFigures(
                scene.id,
                scene.datetime[:10],
                scene.source,
                "before" if scene is before else "event",
                None if seen is None else 100.0 * seen.valid_fraction,
                {
                    name: (
                        None if index.positive_fraction is None else 100.0 * index.positive_fraction,
                        index.positive_km2,
                    )
                    for name, index in products.items()
                },
            )
        )
    return sorted(rows, key=lambda row: (row.date, row.scene_id))


def products_of(rows: list[SceneFigures]) -> list[str]:
    """The products any row has, in ``EVENT_MARKS`` order: the table's columns."""
    return [name for name in EVENT_MARKS if any(name in row.marks for row in rows)]
