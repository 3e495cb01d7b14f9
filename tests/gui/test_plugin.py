"""The plugin as QGIS loads it in the window: a Plugins menu entry and a toolbar button that open
the dock; unloading takes them, the dock, its map tool and its rubber bands away."""

from __future__ import annotations

from unittest.mock import MagicMock

from qgis.PyQt.QtCore import QCoreApplication, QEvent
from qgis.PyQt.QtWidgets import QAction, QDockWidget

from firstlight_qgis import classFactory

from .conftest import pump


def test_menu_and_toolbar_open_the_dock_and_unload_removes_it(
    qgis_iface, qgis_new_project, provider, monkeypatch
):
    for name in (
        "addToolBarIcon",
        "addPluginToMenu",
        "removeToolBarIcon",
        "removePluginMenu",
        "addDockWidget",
    ):
        monkeypatch.setattr(qgis_iface, name, MagicMock(name=name))
    window = qgis_iface.mainWindow()
    window.show()  # a dock is only "user visible" in a shown window
    plugin = classFactory(qgis_iface)
    plugin.initGui()
    action = window.findChild(QAction, "FirstLightDockAction")
    assert action is not None and not action.icon().isNull()
    qgis_iface.addToolBarIcon.assert_called_once_with(action)
    menu, added = qgis_iface.addPluginToMenu.call_args.args
    assert added is action and "FirstLight" in menu
    assert window.findChild(QDockWidget, "FirstLightDock") is None  # created on first use

    action.trigger()
    dock = window.findChild(QDockWidget, "FirstLightDock")
    assert dock is not None and dock.isUserVisible() and action.isChecked()
    qgis_iface.addDockWidget.assert_called_once()
    action.trigger()
    assert not dock.isUserVisible()
    action.trigger()
    assert dock.isUserVisible()

    dock.rectangle_button.click()  # the map tool is armed when the plugin goes
    assert qgis_iface.mapCanvas().mapTool() is dock.tool
    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    pump(0.05)
    assert qgis_iface.mapCanvas().mapTool() is None
    qgis_iface.removeToolBarIcon.assert_called_once()
    qgis_iface.removePluginMenu.assert_called_once()
    assert window.findChild(QDockWidget, "FirstLightDock") is None
    window.hide()
