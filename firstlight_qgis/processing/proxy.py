"""QGIS's proxy (Settings ▸ Options ▸ Network) as the core's ``Proxy``, read where QGIS keeps it:
its network access manager, which applies those settings (the options dialog sets them again on
every change)."""

from __future__ import annotations

from urllib.parse import quote

from qgis.core import Qgis, QgsMessageLog, QgsNetworkAccessManager
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtNetwork import QNetworkProxy

from ..core.proxy import Proxy

_HTTP = (QNetworkProxy.ProxyType.HttpProxy, QNetworkProxy.ProxyType.HttpCachingProxy)


def qgis_proxy() -> Proxy | None:
    """The HTTP proxy QGIS goes through, with the URLs it lists as excluded; None when QGIS uses
    none, the system's (which requests finds itself) or a SOCKS one (which requests cannot use
    without PySocks): then the environment's applies."""
    manager = QgsNetworkAccessManager.instance()
    proxy = manager.fallbackProxy()
    if proxy.type() == QNetworkProxy.ProxyType.Socks5Proxy:
        QgsMessageLog.logMessage(
            QCoreApplication.translate(
                "FirstLight",
                "QGIS is set to a SOCKS proxy, which FirstLight cannot use: its searches and downloads "
                "go as the HTTP_PROXY and HTTPS_PROXY environment variables say (or directly).",
            ),
            "FirstLight",
            Qgis.MessageLevel.Warning,
        )
    if proxy.type() not in _HTTP or not proxy.hostName():
        return None
    login = ""
    if proxy.user():
        secret = f":{quote(proxy.password(), safe='')}" if proxy.password() else ""
        login = f"{quote(proxy.user(), safe='')}{secret}@"
    host = f"[{proxy.hostName()}]" if ":" in proxy.hostName() else proxy.hostName()  # IPv6
    listed = [*manager.excludeList(), *manager.noProxyList()]
    bypass = tuple(entry.strip() for line in listed for entry in line.split("|") if entry.strip())
    return Proxy(f"http://{login}{host}:{proxy.port()}", bypass)
