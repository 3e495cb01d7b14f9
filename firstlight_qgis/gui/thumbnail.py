"""Scene thumbnails fetched in the background (http(s) or a local file), never blocking the UI."""

from __future__ import annotations

from qgis.core import QgsNetworkContentFetcher
from qgis.PyQt.QtCore import QObject, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtNetwork import QNetworkReply

from .messages import tr


def thumbnail_url(href: str) -> QUrl:
    """``href`` as a URL: http(s)/file URLs as they are, a plain path as a file URL."""
    if "://" in href:
        return QUrl(href)
    return QUrl.fromLocalFile(href)


class ThumbnailLoader(QObject):
    """Fetches images through QGIS's network manager (its proxy and SSL settings apply)."""

    loaded = pyqtSignal(str, QPixmap)  # href, image
    failed = pyqtSignal(str, str)  # href, reason

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache: dict[str, QPixmap] = {}
        self.pending: dict[str, QgsNetworkContentFetcher] = {}

    def load(self, href: str) -> None:
        if href in self.cache:
            self.loaded.emit(href, self.cache[href])
            return
        if href in self.pending:
            return
        fetcher = QgsNetworkContentFetcher()
        self.pending[href] = fetcher
        fetcher.finished.connect(lambda: self._finished(href))
        fetcher.fetchContent(thumbnail_url(href))

    def _finished(self, href: str) -> None:
        fetcher = self.pending.pop(href, None)
        if fetcher is None:
            return
        reply = fetcher.reply()
        if reply is None or reply.error() != QNetworkReply.NetworkError.NoError:
            reason = reply.errorString() if reply is not None else tr("no reply")
            self.failed.emit(href, reason)
            return
        pixmap = QPixmap()
        if not pixmap.loadFromData(reply.readAll()):
            self.failed.emit(href, tr("not an image"))
            return
        self.cache[href] = pixmap
        self.loaded.emit(href, pixmap)

    def cancel_all(self) -> None:
        for fetcher in self.pending.values():
            fetcher.cancel()
        self.pending.clear()
