"""Translation, the FirstLight log and the message bar: one sentence there, the details in the log."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication

from .compat import CRITICAL, INFO, SUCCESS, WARNING

LOG_TAG = "FirstLight"
# Seconds a message stays in the bar (0: until the user closes it).
_DURATIONS = {INFO: 6, SUCCESS: 12, WARNING: 15, CRITICAL: 0}


def tr(text: str) -> str:
    """``text`` in the user's language (the plugin translates everything in one context)."""
    return QCoreApplication.translate("FirstLight", text)


def log(text: str, level: Any = INFO) -> None:
    """A line in the FirstLight tab of the QGIS log panel."""
    QgsMessageLog.logMessage(str(text), LOG_TAG, level)


def one_sentence(text: str, fallback: str = "") -> str:
    """The first non-empty line of ``text``, whitespace collapsed; of a traceback, its last line."""
    lines = [" ".join(line.split()) for line in str(text or "").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return fallback
    if any(line.startswith("Traceback") for line in lines):
        return lines[-1]
    return lines[0]


class Notifier:
    """Pushes one-sentence messages to the QGIS message bar and mirrors them in the log."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface

    def push(self, text: str, level: Any = INFO, details: str | None = None) -> None:
        if details:
            log(details, level)
        log(text, level)
        bar = self.iface.messageBar() if self.iface is not None else None
        if bar is not None:
            bar.pushMessage(tr("FirstLight"), text, level, _DURATIONS.get(level, 8))

    def info(self, text: str, details: str | None = None) -> None:
        self.push(text, INFO, details)

    def success(self, text: str, details: str | None = None) -> None:
        self.push(text, SUCCESS, details)

    def warning(self, text: str, details: str | None = None) -> None:
        self.push(text, WARNING, details)

    def error(self, text: str, details: str | None = None) -> None:
        self.push(text, CRITICAL, details)
