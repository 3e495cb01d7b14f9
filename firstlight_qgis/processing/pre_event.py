"""The scene from before the event that ``firstlight:ingest`` compares the event's scenes with:
searched between the pre-event dates, then the one the user named or the best (``best_pre_event``),
and said, with whether it sees the ground as the event's scene does."""

from __future__ import annotations

import dataclasses
from datetime import date

from qgis.core import QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication

from ..core.catalog import Scene, best_pre_event, same_view
from ..core.errors import InputError
from .discover import cloud_text
from .parameters import Search, one_line


def pre_event_scene(
    search: Search,
    window: tuple[date, date],
    scenes: list[Scene],
    chosen: str,
    feedback: QgsProcessingFeedback,
) -> Scene:
    """The scene between the pre-event dates to compare with: the one ``chosen`` names, else
    ``best_pre_event`` (of the first scene's sensor if there is one, the latest clear one that
    covers the area, seen as the first scene was if one is)."""
    before = dataclasses.replace(search, start=window[0], end=window[1])
    feedback.pushInfo(
        QCoreApplication.translate(
            "FirstLight", "Searching {catalog} for a pre-event scene from {start} to {end}."
        ).format(catalog=search.catalog_label, start=before.start, end=before.end)
    )
    found = before.run(feedback.isCanceled, warn=feedback.pushWarning)
    if not found:
        raise InputError(
            QCoreApplication.translate(
                "FirstLight",
                "No pre-event scene in {catalog} covers the area between {start} and {end} with {limit}: "
                "widen the pre-event dates or raise the maximum cloud cover.",
            ).format(
                catalog=search.catalog_label, start=before.start, end=before.end, limit=search.cloud_limit
            )
        )
    scene = _named(found, chosen, before) if chosen else best_pre_event(found, scenes[0])
    if scene.cloud is None:  # radar, or an item that gives no cloud cover
        line = QCoreApplication.translate(
            "FirstLight", "Scene before the event: {id} ({date}); each scene is compared with it."
        )
    else:
        line = QCoreApplication.translate(
            "FirstLight",
            "Scene before the event: {id} ({date}, cloud {cloud}); each scene is compared with it.",
        )
    feedback.pushInfo(line.format(id=scene.id, date=scene.datetime, cloud=cloud_text(scene)))
    _compare_views(scene, scenes[0], feedback, chosen=bool(chosen))
    if scene.id in {s.id for s in scenes}:
        raise InputError(
            QCoreApplication.translate(
                "FirstLight",
                "The pre-event scene {id} is also one of the scenes to ingest: give pre-event dates "
                "from before those scenes.",
            ).format(id=scene.id)
        )
    return scene


def _compare_views(before: Scene, after: Scene, feedback: QgsProcessingFeedback, chosen: bool) -> None:
    """Say whether the scene before the event sees the ground as ``after`` does (``same_view``):
    changes between two views are partly the view's. A scene the user ``chosen`` is not one
    FirstLight failed to find a better one than."""
    seen, view = same_view(before), same_view(after)
    if seen is None or view is None:
        return
    if seen == view:
        feedback.pushInfo(
            QCoreApplication.translate("FirstLight", "It is seen as {id} is: {view}.").format(
                id=after.id, view=view
            )
        )
        return
    why = (
        ""
        if chosen
        else " "
        + QCoreApplication.translate(
            "FirstLight", "No clear scene from {view} was found between the pre-event dates."
        ).format(view=view)
    )
    feedback.pushWarning(
        QCoreApplication.translate(
            "FirstLight",
            "The scene before the event is seen from {seen}, {id} from {view}.{why} Some of the changes "
            "may be the view's, not the event's (for radar, shadows on the other side of the relief).",
        ).format(seen=seen, id=after.id, view=view, why=why)
    )


def _named(found: list[Scene], chosen: str, window: Search) -> Scene:
    """The scene of ``found`` (between the pre-event dates of ``window``) whose id is ``chosen``."""
    named = next((scene for scene in found if scene.id == chosen), None)
    if named is None:
        ids = ", ".join(scene.id for scene in found[:5]) + (", ..." if len(found) > 5 else "")
        raise InputError(
            QCoreApplication.translate(
                "FirstLight",
                "The pre-event scene {id} is not among the {count} found in {catalog} between {start} "
                "and {end} with {limit} ({ids}): give one of those, or leave it empty.",
            ).format(
                id=one_line(chosen),
                count=len(found),
                catalog=window.catalog_label,
                start=window.start,
                end=window.end,
                limit=window.cloud_limit,
                ids=ids,
            )
        )
    return named
