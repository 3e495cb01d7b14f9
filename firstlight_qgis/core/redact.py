"""Keeping secrets out of what users and logs see.

Signed hrefs (Planetary Computer SAS tokens, AWS / GCS pre-signed URLs) and URLs with user info
carry credentials; manifests, error messages and logs get them through these functions only.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Query parameters that can carry a credential (Azure SAS, AWS / GCS pre-signed URLs, API keys);
# besides these, any parameter whose name contains one of SECRET_WORDS is dropped.
# fmt: off
SECRET_KEYS = frozenset({
    "sig", "signature", "token", "access_token", "api_key", "apikey", "key", "code",
    "se", "st", "sp", "sv", "sr", "skoid", "sktid", "skt", "ske", "sks", "skv",  # Azure SAS
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "x-goog-credential",
})
SECRET_WORDS = ("token", "secret", "signature", "key", "pass", "auth", "credential", "session", "sig")
# fmt: on
# Header values that are credentials, as they appear in a logged dict: 'Authorization': 'Bearer x'.
_SECRET_HEADER = re.compile(
    r"""(['"]?(?:authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|"""
    r"""ocp-apim-subscription-key|x-amz-security-token)['"]?\s*[:=]\s*)(['"])[^'"]*\2""",
    re.IGNORECASE,
)


def redact_url(href: str) -> str:
    """``href`` without user info and without query parameters that may carry a secret."""
    try:
        parts = urlsplit(href)
        port = parts.port
    except ValueError:  # not a URL one can parse (a bad port, a broken IPv6 literal): keep no query
        return scrub(href)
    if parts.scheme not in ("http", "https", "s3", "gs", "az"):
        return href
    netloc = parts.hostname or ""
    if port:
        netloc += f":{port}"
    kept = [p for p in parts.query.split("&") if p and not _is_secret(p.split("=", 1)[0])]
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(kept), ""))


def _is_secret(name: str) -> bool:
    name = name.lower()
    return name in SECRET_KEYS or any(word in name for word in SECRET_WORDS)


def redact_hrefs(document: Any) -> Any:
    """A copy of a JSON document (a STAC item) with every ``href`` passed through ``redact_url``:
    a catalog may hand out pre-signed hrefs, which must not be stored."""
    if isinstance(document, dict):
        return {
            key: redact_url(value) if key == "href" and isinstance(value, str) else redact_hrefs(value)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [redact_hrefs(value) for value in document]
    return document


def scrub(text: str) -> str:
    """Free text (an exception, a GDAL message, a logged request) with user info, every URL query
    string and credential header values removed."""
    text = _SECRET_HEADER.sub(r"\1\2***\2", text)
    return re.sub(r"\?[^\s'\"<>)]*", "?…", re.sub(r"//[^/@\s]*@", "//", text))


class _RedactQueries(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string (a signed URL's token) included;
    pystac-client logs each request's URL and headers at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        return True


# A logger's filters apply only to records it creates, so each library logger that writes URLs or
# headers gets one (urllib3's retry logs the URL of every retried request).
for _name in (
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "urllib3.poolmanager",
    "urllib3.response",
    "pystac_client.stac_api_io",
    "pystac_client.item_search",
    "pystac_client.client",
):
    logging.getLogger(_name).addFilter(_RedactQueries())
