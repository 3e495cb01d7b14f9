"""The bundled sample scene (resources/sample) as tests serve it: copied, and on an HTTP server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.support.asset_server import AssetServer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample"
ITEM_ID = "S2_UruguayRiver_20181224_sample"


def copy_sample(destination: Path) -> Path:
    """The sample's files copied into ``destination`` (tests never touch the originals)."""
    destination.mkdir(parents=True, exist_ok=True)
    for path in SAMPLE.iterdir():
        shutil.copy2(path, destination / path.name)
    return destination


def served_item(server: AssetServer, scene_id: str = ITEM_ID) -> dict[str, Any]:
    """The sample's STAC item, renamed ``scene_id``, its asset hrefs on ``server``."""
    item = json.loads((SAMPLE / f"{ITEM_ID}.json").read_text(encoding="utf-8"))
    item["id"] = scene_id
    item["links"] = []
    for asset in item["assets"].values():
        asset["href"] = server.url(asset["href"].removeprefix("./"))
    return item
