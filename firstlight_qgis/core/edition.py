"""Which edition of a server's file a part file holds: HTTP validators (RFC 9110, section 8.8).

A part file resumed days later, or pieced together from hundreds of ranges, must come from one
file: an object replaced under the same name in between (a scene reprocessed, a mirror
resynchronised) would otherwise be spliced into one that passes every check but a checksum, which
most catalogs do not give. The first answer's validator (its strong ETag, else its Last-Modified
date) is kept in ``<part>.validator`` before any of its bytes is written; every later answer must
carry the same, and a one-stream resume asks for it with ``If-Range`` (the server then sends the
whole new file instead of the rest of the old one).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Mapping
from pathlib import Path

from .fileio import clean_up


def _validator(headers: Mapping[str, str]) -> str | None:
    """The validator an answer's headers carry (looked up by lower-case name: every header mapping
    in use ignores case, or has lower-case keys): its strong ETag, else its Last-Modified date (a
    weak ETag promises the same meaning, not the same bytes)."""
    etag = headers.get("etag")
    if etag and not etag.startswith("W/"):
        return etag
    return headers.get("last-modified") or None


def _record(part: Path) -> Path:
    return part.with_name(part.name + ".validator")


def forget_edition(part: Path) -> None:
    """Remove the record of which edition ``part`` holds (the part is complete, or gone)."""
    _record(part).unlink(missing_ok=True)


class Edition:
    """The validator of the bytes in ``part``, pinned by the first answer that carries one (held in
    memory only without a part: a clip's header and the tiles it places, fetched in one go).
    ``kept``: the part holds bytes of an earlier attempt or run, whose validator is read back;
    otherwise a record left beside it is stale and goes."""

    def __init__(self, part: Path | None = None, kept: bool = False) -> None:
        self._path = _record(part) if part is not None else None
        self._lock = threading.Lock()
        self.value: str | None = None
        if self._path is not None and kept:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                self.value = self._path.read_text(encoding="utf-8").strip() or None
        elif self._path is not None:
            self._path.unlink(missing_ok=True)

    def admits(self, headers: Mapping[str, str]) -> bool:
        """Whether an answer with these headers is of this edition; the first validator pins it,
        and is recorded before the answer's bytes are written. An answer without one cannot be
        told apart."""
        value = _validator(headers)
        if value is None:
            return True
        with self._lock:
            if self.value is None:
                self.value = value
                self._save(value)
                return True
            return value == self.value

    def _save(self, value: str) -> None:
        """Write the record (a full disk leaves it out: the part's own writes then fail clearly)."""
        if self._path is None:
            return
        temp = self._path.with_name(self._path.name + ".tmp")
        try:
            temp.write_text(value, encoding="utf-8")
            os.replace(temp, self._path)
        except OSError:
            clean_up(temp)
