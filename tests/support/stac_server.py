"""A real STAC API on loopback for tests: ``rustac serve`` over items written to an ItemCollection.

Use ``stac_api(items, workdir)`` as a context manager (it yields the base URL and stops the server
on exit), or ``stac_api_fixture(make_items)`` to declare a pytest fixture in a test module::

    stac_url = stac_api_fixture(lambda: [item_a, item_b])

rustac's memory backend serves ``/search`` (GET and POST, paged with ``next`` links), ``/collections``
and ``/conformance``; it declares neither the query nor the filter extension.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def rustac_executable() -> str:
    """``rustac`` from the running virtualenv, else from PATH."""
    beside = Path(sys.executable).parent / "rustac"
    if beside.is_file():
        return str(beside)
    found = shutil.which("rustac")
    if found is None:
        raise RuntimeError("rustac is not installed: `pip install rustac` provides `rustac serve`.")
    return found


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def stac_api(
    items: Iterable[dict[str, Any]], workdir: Path, *, startup_timeout: float = 15.0
) -> Iterator[str]:
    """Serve ``items`` with ``rustac serve`` on 127.0.0.1; yields the base URL (no trailing slash)."""
    workdir.mkdir(parents=True, exist_ok=True)
    items_file = workdir / "items.json"
    items_file.write_text(
        json.dumps({"type": "FeatureCollection", "features": list(items)}), encoding="utf-8"
    )
    process, url = _start(items_file, workdir, startup_timeout)
    try:
        yield url
    finally:
        _stop(process)


def stac_api_fixture(
    make_items: Callable[[], Iterable[dict[str, Any]]], *, scope: str = "module"
) -> Callable[..., Iterator[str]]:
    """A pytest fixture (assign it to a module-level name): the URL of a server of ``make_items()``."""

    @pytest.fixture(scope=scope)
    def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        with stac_api(make_items(), tmp_path_factory.mktemp("stac_api")) as url:
            yield url

    return served


def _start(items_file: Path, workdir: Path, timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    log_path = workdir / "rustac.log"
    for _ in range(3):  # a port found free can be taken before rustac binds it: then try another
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    rustac_executable(),
                    "serve",
                    "--addr",
                    f"127.0.0.1:{port}",
                    "--create-collections",
                    str(items_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        if _wait_until_up(url, process, timeout):
            return process, url
        _stop(process)
    raise RuntimeError(f"rustac serve did not start; its log ends with: {log_path.read_text()[-800:]}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/", timeout=1) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
