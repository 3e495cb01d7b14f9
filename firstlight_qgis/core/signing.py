"""Signing asset hrefs for catalogs whose files need a short-lived token.

Planetary Computer serves its COGs from Azure Blob Storage, readable only with a SAS token that
its token endpoint hands out per storage account and container and that expires after about 45
minutes. Downloads call ``sign`` before every request and ``refresh`` once when the storage
answers 403, so a long ingest outlives any one token. A signed href carries a secret: it is used
for the request and never stored, logged or shown. A token is fetched on the band's thread, through
the downloads' own kind of session: a cancel shuts its connection as it shuts theirs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

import requests
import urllib3

from .download import http_session
from .errors import DownloadError
from .proxy import Proxy, proxies_for

PLANETARY_COMPUTER_TOKEN_URL = "https://planetarycomputer.microsoft.com/api/sas/v1/token"
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024  # a token answer is ~1 KB; a larger one is not a token

Locator = Callable[[str], tuple[str, str] | None]


class Signer(Protocol):
    """Turns an asset href into one that can be fetched; ``refresh`` forces a new credential."""

    def sign(self, href: str) -> str: ...

    def refresh(self, href: str) -> str: ...


def blob_storage_location(href: str) -> tuple[str, str] | None:
    """``(account, container)`` of an ``https://<account>.blob.core.windows.net/<container>/...`` href."""
    parts = urlsplit(href)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host.endswith(".blob.core.windows.net"):
        return None
    container = parts.path.lstrip("/").split("/", 1)[0]
    return (host.split(".", 1)[0], container) if container else None


@dataclass(frozen=True)
class _Token:
    query: str
    renew_at: float  # time.time() after which the token is fetched again
    fetched: float  # time.monotonic() of the fetch


class PlanetaryComputerSigner:
    """Appends Planetary Computer SAS tokens, cached per (account, container) until near expiry.

    ``locate`` decides which hrefs need a token and for which (account, container); the default
    recognises Azure Blob Storage hrefs, and tests point it at a loopback server, e.g.
    ``locate=lambda href: ("account", "container")``. Hrefs it returns None for pass unchanged.
    """

    def __init__(
        self,
        token_url: str = PLANETARY_COMPUTER_TOKEN_URL,
        *,
        locate: Locator = blob_storage_location,
        subscription_key: str | None = None,
        timeout: float = 30.0,
        renew_margin_s: float = 300.0,
        proxy: Proxy | None = None,
    ) -> None:
        self.token_url = token_url.rstrip("/")
        self._proxy = proxy
        self._locate = locate
        self._timeout = timeout
        self._margin = renew_margin_s
        self._session = http_session(1)  # one fetch at a time: the others wait for its token
        if subscription_key:
            self._session.headers["Ocp-Apim-Subscription-Key"] = subscription_key
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._lock = threading.Lock()

    def sign(self, href: str) -> str:
        """``href`` with a valid token appended (a cached one unless it is about to expire)."""
        location = self._locate(href)
        if location is None or "sig=" in urlsplit(href).query:
            return href
        return _append_query(href, self._token(location, newer_than=None).query)

    def refresh(self, href: str) -> str:
        """``href`` signed with a token fetched after this call began (the storage said 403).

        Threads refreshing the same container at once share one new token.
        """
        location = self._locate(href)
        if location is None:
            return href
        return _append_query(href, self._token(location, newer_than=time.monotonic()).query)

    def _token(self, location: tuple[str, str], newer_than: float | None) -> _Token:
        with self._lock:
            cached = self._tokens.get(location)
            if cached is not None:
                fresh = (
                    cached.fetched > newer_than if newer_than is not None else time.time() < cached.renew_at
                )
                if fresh:
                    return cached
            token = self._fetch(location)
            self._tokens[location] = token
            return token

    def _fetch(self, location: tuple[str, str]) -> _Token:
        account, container = location
        where = f"{urlsplit(self.token_url).netloc} for {account}/{container}"
        url = f"{self.token_url}/{account}/{container}"
        try:
            response = self._session.get(
                url, timeout=self._timeout, stream=True, proxies=proxies_for(self._proxy, url)
            )
            with response:
                raw = response.raw.read(MAX_TOKEN_RESPONSE_BYTES + 1, decode_content=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            raise DownloadError(
                f"Could not reach the token service {where} ({type(error).__name__}); check the network "
                "and try again."
            ) from None
        if response.status_code != 200:
            raise DownloadError(
                f"The token service {where} answered HTTP {response.status_code}; try again later."
            )
        if len(raw) > MAX_TOKEN_RESPONSE_BYTES:
            raise DownloadError(
                f"The token service {where} sent more than {MAX_TOKEN_RESPONSE_BYTES // 1024} KB, which no "
                "token needs; FirstLight stopped reading it. Check the token URL."
            )
        try:
            body = json.loads(raw)
            query = str(body["token"]).lstrip("?")
            expiry = datetime.fromisoformat(str(body["msc:expiry"]).replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError, TypeError):
            raise DownloadError(
                f"The token service {where} sent no usable token; check the token URL."
            ) from None
        now = time.time()
        margin = min(self._margin, max(0.0, expiry - now) / 2)
        return _Token(query=query, renew_at=expiry - margin, fetched=time.monotonic())


def _append_query(href: str, query: str) -> str:
    return f"{href}{'&' if urlsplit(href).query else '?'}{query}"
