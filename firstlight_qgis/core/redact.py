"""Keeping secrets out of what users and logs see.

Signed hrefs (Planetary Computer SAS tokens, AWS / GCS pre-signed URLs) and URLs with user info
carry credentials; manifests, error messages and logs get them through these functions only.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

# Query parameters that can carry a credential (Azure SAS, AWS / GCS pre-signed URLs, API keys).
# fmt: off
SECRET_KEYS = frozenset({
    "sig", "signature", "token", "access_token", "api_key", "apikey", "key", "code",
    "se", "st", "sp", "sv", "sr", "skoid", "sktid", "skt", "ske", "sks", "skv",  # Azure SAS
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "x-goog-credential",
})
# fmt: on


def redact_url(href: str) -> str:
    """``href`` without user info and without query parameters that may carry a secret."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https", "s3", "gs", "az"):
        return href
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    kept = [p for p in parts.query.split("&") if p and p.split("=", 1)[0].lower() not in SECRET_KEYS]
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(kept), ""))


def scrub(text: str) -> str:
    """Free text (an exception, a GDAL message) with user info and every URL query string removed."""
    return re.sub(r"\?[^\s'\"<>)]*", "?…", re.sub(r"//[^/@\s]*@", "//", text))


class _RedactQueries(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string (a signed URL's token) included."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactQueries())
