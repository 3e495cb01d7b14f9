"""Checks of the values a user passes from Python: numpy's numbers are numbers, a bool or a string
is not, and each wrong value is one sentence saying what to give, before anything is fetched."""

from __future__ import annotations

import math
import numbers
from typing import Any

from .errors import InputError, one_line


def is_number(value: Any) -> bool:
    """A finite real number (numpy's too), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def is_whole(value: Any) -> bool:
    """A whole number (numpy's too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def whole_number(name: str, value: Any, least: int) -> int:
    """``value`` as an int, if it is a whole number of ``least`` or more."""
    if not is_whole(value) or value < least:
        raise InputError(f"The {name} {_shown(value)} is not valid: give a whole number of {least} or more.")
    return int(value)


def number(name: str, value: Any, least: float, above: bool = False) -> float:
    """``value`` as a float, if it is a number of ``least`` or more (``above``: more than it)."""
    if not is_number(value) or value < least or (above and value == least):
        bound = f"more than {least:g}" if above else f"{least:g} or more"
        raise InputError(f"The {name} {_shown(value)} is not valid: give a number of {bound}.")
    return float(value)


def flag(name: str, value: Any) -> bool:
    """``value``, if it is True or False (a string such as "false" would count as on)."""
    if not isinstance(value, bool):
        raise InputError(f"The {name} {_shown(value)} is not valid: give True or False.")
    return value


def _shown(value: Any) -> str:
    return one_line(repr(value), 40)
