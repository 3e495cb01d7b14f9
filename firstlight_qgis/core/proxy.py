"""The HTTP proxy a run goes through when its caller names one.

In QGIS the proxy is set in the options (Settings ▸ Options ▸ Network), which Python's HTTP
libraries do not read: the plugin names it (``Proxy``) to every search and download, which pass
it to requests with each request and keep those URLs off the direct connections of the burst
loop. Without one (a headless run, or QGIS set to no proxy or to the system's), requests goes as
the environment says (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``, or the system's settings).
(A STAC API search is the exception: there a proxy the environment names for the catalog wins,
as pystac-client merges the environment's over its session's.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What to do when the proxy wants its login (HTTP 407).
PROXY_LOGIN = "check its user name and password (in QGIS: Settings ▸ Options ▸ Network)"


@dataclass(frozen=True)
class Proxy:
    """``url``: ``http://[user:password@]host:port``; ``bypass``: URL prefixes reached without it
    (QGIS's excluded URLs), which go as the environment says."""

    url: str = field(repr=False)  # (its password never in a log)
    bypass: tuple[str, ...] = ()

    def requests_proxies(self, url: str) -> dict[str, str]:
        """requests' ``proxies`` for a request of ``url``: none for a URL it bypasses."""
        if any(url.startswith(prefix) for prefix in self.bypass):
            return {}
        return {"http": self.url, "https": self.url}


def proxies_for(proxy: Proxy | None, url: str) -> dict[str, str]:
    """requests' ``proxies`` for a request of ``url`` when ``proxy`` is named (if any)."""
    return proxy.requests_proxies(url) if proxy is not None else {}
