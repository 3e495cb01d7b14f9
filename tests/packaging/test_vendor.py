"""The import rewriting that moves vendored packages under firstlight_qgis._vendor (tools/vendor.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tools.vendor import VendorError, leftover_imports, read_pins, rewrite_source, rewrite_tree

NAMES = frozenset({"pystac", "pystac_client", "six"})
P = "firstlight_qgis._vendor"


def rewrite(source: str) -> str:
    return rewrite_source(textwrap.dedent(source), NAMES, P)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("import pystac\n", f"import {P}.pystac as pystac\n"),
        ("import pystac as ps\n", f"import {P}.pystac as ps\n"),
        ("import pystac.utils as u\n", f"import {P}.pystac.utils as u\n"),
        ("import pystac.extensions.eo\n", f"import {P}.pystac.extensions.eo, {P}.pystac as pystac\n"),
        ("import os, pystac_client, sys\n", f"import os, {P}.pystac_client as pystac_client, sys\n"),
        ("from pystac import Item\n", f"from {P}.pystac import Item\n"),
        ("from pystac_client.client import Client\n", f"from {P}.pystac_client.client import Client\n"),
        ("from six.moves import _thread\n", f"from {P}.six.moves import _thread\n"),
        ('x = resources.files("pystac.static")\n', f'x = resources.files("{P}.pystac.static")\n'),
        ("m = import_module('pystac_client')\n", f"m = import_module('{P}.pystac_client')\n"),
    ],
)
def test_each_import_form_moves_under_the_vendor_package(before: str, after: str) -> None:
    assert rewrite(before) == after


def test_other_imports_relative_imports_and_lookalikes_stay() -> None:
    source = textwrap.dedent(
        """\
        import os
        import pystacx
        from pystac_clientele import x
        from . import pystac
        from .pystac import Item
        from ..six import y
        name = "pystac"
        """
    )
    assert rewrite(source) == source


def test_comments_layout_and_nesting_survive() -> None:
    source = """\
        # héhé: a comment with non-ASCII before the import
        from pystac import (  # keep me
            Item,
            Collection,  # and me
        )


        def f():
            try:
                import pystac_client  # lazily
            except ImportError:
                pass
            if True: import six
        """
    assert rewrite(source) == textwrap.dedent(
        f"""\
        # héhé: a comment with non-ASCII before the import
        from {P}.pystac import (  # keep me
            Item,
            Collection,  # and me
        )


        def f():
            try:
                import {P}.pystac_client as pystac_client  # lazily
            except ImportError:
                pass
            if True: import {P}.six as six
        """
    )


def test_leftovers_are_named_and_fail_the_tree(tmp_path: Path) -> None:
    assert leftover_imports("import pystac\nfrom six import b\n", NAMES) == [
        "line 1: import pystac",
        "line 2: from six import b",
    ]
    assert leftover_imports(rewrite("import pystac\nfrom six import b\n"), NAMES) == []
    (tmp_path / "ok.py").write_text("from pystac import Item\n")
    assert rewrite_tree(tmp_path, NAMES, P) == [tmp_path / "ok.py"]
    assert (tmp_path / "ok.py").read_text() == f"from {P}.pystac import Item\n"


def test_pins_must_be_exact(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# comment\npystac==1.14.3  # why\n\nsix==1.17.0\n")
    assert read_pins(good) == [("pystac", "1.14.3"), ("six", "1.17.0")]
    loose = tmp_path / "loose.txt"
    loose.write_text("pystac>=1.10\n")
    with pytest.raises(VendorError, match="not an exact pin"):
        read_pins(loose)
