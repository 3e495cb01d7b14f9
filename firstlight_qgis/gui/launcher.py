"""The plugin's menu entry and toolbar button, and the dock they open.

``plugin.py`` calls ``DockLauncher(iface).init_gui()`` from ``initGui`` and ``unload()`` from its
``unload``; nothing here runs under ``qgis_process`` (no ``iface`` there).
"""

from __future__ import annotations

from typing import Any

from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon

try:  # Qt6 (QGIS 4) has QAction in QtGui; Qt5 in QtWidgets
    from qgis.PyQt.QtGui import QAction
except ImportError:  # pragma: no cover - Qt5
    from qgis.PyQt.QtWidgets import QAction

from ..processing.paths import icon_path
from .dock import FirstLightDock
from .messages import tr


class DockLauncher:
    """A checkable action, in the Plugins menu and on the Plugins toolbar, that shows the dock."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.action: QAction | None = None
        self.dock: FirstLightDock | None = None
        self.menu = tr("&FirstLight")

    def init_gui(self) -> None:
        if self.iface is None:  # no window (qgis_process, or a test of the headless path)
            return
        self.action = QAction(QIcon(str(icon_path())), tr("FirstLight"), self.iface.mainWindow())
        self.action.setObjectName("FirstLightDockAction")
        self.action.setToolTip(tr("FirstLight: satellite imagery for an area and an event"))
        self.action.setCheckable(True)
        self.action.toggled.connect(self.set_dock_visible)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToMenu(self.menu, self.action)

    def show_dock(self) -> FirstLightDock:
        """The dock, created on first use, shown and raised."""
        if self.dock is None or sip.isdeleted(self.dock):
            self.dock = FirstLightDock(self.iface, self.iface.mainWindow())
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self._dock_visibility_changed)
        self.dock.setUserVisible(True)
        self.dock.raise_()
        return self.dock

    def set_dock_visible(self, visible: bool) -> None:
        if visible:
            self.show_dock()
        elif self.dock is not None and not sip.isdeleted(self.dock):
            self.dock.setUserVisible(False)

    def _dock_visibility_changed(self, visible: bool) -> None:
        if self.action is None or sip.isdeleted(self.action) or self.dock is None:
            return
        if self.action.isChecked() != self.dock.isUserVisible():
            self.action.blockSignals(True)
            self.action.setChecked(self.dock.isUserVisible())
            self.action.blockSignals(False)

    def unload(self) -> None:
        if self.dock is not None and not sip.isdeleted(self.dock):
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
        self.dock = None
        if self.action is not None:
            self.iface.removePluginMenu(self.menu, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
