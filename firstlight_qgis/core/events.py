"""Event types: which sensors serve an event, which bands it needs and which index it yields."""

from __future__ import annotations

from dataclasses import dataclass

from .bands import LANDSAT, SENTINEL1, SENTINEL2
from .errors import InputError, one_line
from .indices import SAR_WATER_DB


@dataclass(frozen=True)
class EventConfig:
    """What an event asks of the imagery.

    ``indices`` maps each optical sensor to the index names to compute, first one primary;
    ``water_mask`` says the primary index is thresholded into a water mask. ``change`` is what a
    scene from before the event adds: ``"flood"``, the flood extent (water now that was dry
    before: a water mask alone holds the river in its bed too), or ``"burn"``, dNBR and burn
    severity (NBR's drop: NBR alone cannot tell a burn scar from land that is always dark).
    """

    name: str
    title: str
    sensors: tuple[str, ...]
    indices: tuple[str, ...]
    water_mask: bool = False
    threshold: float = 0.0
    sar_threshold_db: float = SAR_WATER_DB
    change: str | None = None

    @property
    def takes_pre_event(self) -> bool:
        return self.change is not None


_FLOOD_SENSORS = (SENTINEL2, LANDSAT, SENTINEL1)
_OPTICAL = (SENTINEL2, LANDSAT)


def _flood(name: str, title: str) -> EventConfig:
    return EventConfig(name, title, _FLOOD_SENSORS, ("ndwi", "mndwi"), water_mask=True, change="flood")


EVENTS: dict[str, EventConfig] = {
    "flood.coastal": _flood("flood.coastal", "Coastal flood"),
    "flood.riverine": _flood("flood.riverine", "Riverine flood"),
    "flood.flash": _flood("flood.flash", "Flash flood"),
    "wildfire.burn_scar": EventConfig(
        "wildfire.burn_scar", "Wildfire burn scar", _OPTICAL, ("nbr",), change="burn"
    ),
    "drought.vegetation": EventConfig("drought.vegetation", "Drought (vegetation)", _OPTICAL, ("ndvi",)),
}


def get_event(name: str) -> EventConfig:
    """The event called ``name``, or an ``InputError`` that lists the known ones."""
    try:
        return EVENTS[name]
    except KeyError:
        known = ", ".join(EVENTS)
        raise InputError(f"Unknown event '{one_line(name)}': choose one of {known}.") from None
