"""Event types: which sensors serve an event, which bands it needs and which index it yields."""

from __future__ import annotations

from dataclasses import dataclass

from .bands import LANDSAT, SENTINEL1, SENTINEL2
from .errors import InputError, one_line


@dataclass(frozen=True)
class EventConfig:
    """What an event asks of the imagery.

    ``indices`` maps each optical sensor to the index names to compute, first one primary;
    ``water_mask`` says the primary index is thresholded into a water mask.
    """

    name: str
    title: str
    sensors: tuple[str, ...]
    indices: tuple[str, ...]
    water_mask: bool = False
    threshold: float = 0.0
    sar_threshold_db: float = -18.0

    @property
    def takes_pre_event(self) -> bool:
        """Whether a scene from before the event adds to it: NBR's drop, dNBR, is a burn's mark."""
        return "nbr" in self.indices


_FLOOD_SENSORS = (SENTINEL2, LANDSAT, SENTINEL1)
_OPTICAL = (SENTINEL2, LANDSAT)

EVENTS: dict[str, EventConfig] = {
    "flood.coastal": EventConfig("flood.coastal", "Coastal flood", _FLOOD_SENSORS, ("ndwi", "mndwi"), True),
    "flood.riverine": EventConfig(
        "flood.riverine", "Riverine flood", _FLOOD_SENSORS, ("ndwi", "mndwi"), True
    ),
    "flood.flash": EventConfig("flood.flash", "Flash flood", _FLOOD_SENSORS, ("ndwi", "mndwi"), True),
    "wildfire.burn_scar": EventConfig("wildfire.burn_scar", "Wildfire burn scar", _OPTICAL, ("nbr",)),
    "drought.vegetation": EventConfig("drought.vegetation", "Drought (vegetation)", _OPTICAL, ("ndvi",)),
}


def get_event(name: str) -> EventConfig:
    """The event called ``name``, or an ``InputError`` that lists the known ones."""
    try:
        return EVENTS[name]
    except KeyError:
        known = ", ".join(EVENTS)
        raise InputError(f"Unknown event '{one_line(name)}': choose one of {known}.") from None
