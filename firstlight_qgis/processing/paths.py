"""Where the plugin's resources are, in the installed zip and in a source checkout."""

from __future__ import annotations

from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parents[1]


def resource_path(*parts: str) -> Path:
    """``resources/<parts>`` inside the installed plugin, or beside the package in a source checkout."""
    for base in (PLUGIN_DIR / "resources", PLUGIN_DIR.parent / "resources"):
        candidate = base.joinpath(*parts)
        if candidate.exists():
            return candidate
    return PLUGIN_DIR.joinpath("resources", *parts)


def icon_path() -> Path:
    return resource_path("icon.svg")
