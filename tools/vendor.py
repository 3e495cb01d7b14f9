"""Vendor run-time packages into the plugin with rewritten imports (used by ``tools/package.py``).

The plugin zip carries its own copies of the packages listed in ``requirements-vendor.txt``
under ``firstlight_qgis/_vendor/``. Every import of them, in the vendored code and in ours, is
rewritten to point there (``import pystac`` -> ``import firstlight_qgis._vendor.pystac as
pystac``), so the plugin never reads or replaces another copy in the user's Python or another
plugin's, and nothing touches ``sys.path``. The source tree keeps the plain imports.

Rewriting works on the text at the positions ``ast`` reports, so comments and layout survive:

========================================  ===========================================================
``import X``                              ``import P.X as X``
``import X.a.b``                          ``import P.X.a.b, P.X as X`` (loads X.a.b, binds X)
``import X.a as Y``                       ``import P.X.a as Y``
``from X.a import n``                     ``from P.X.a import n``
``importlib.resources.files("X.a")``      ``importlib.resources.files("P.X.a")`` (also
                                          ``import_module``, ``find_spec``, ``__import__``)
========================================  ===========================================================

Relative imports need nothing. :func:`leftover_imports` re-parses the result and names anything
still reaching outside, and the package step fails if there is any.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

# Calls whose first argument is a module name as a string.
_MODULE_NAME_CALLS = frozenset({"files", "import_module", "find_spec", "__import__"})
_LICENCE_FILE = re.compile(r"(licen[cs]e|copying|notice|authors)", re.IGNORECASE)
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


class VendorError(Exception):
    """Vendoring cannot go on: the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Vendored:
    """One distribution copied into the vendor folder."""

    name: str
    version: str
    licence: str
    top_level: tuple[str, ...]
    licence_files: tuple[str, ...]


def read_pins(requirements: Path) -> list[tuple[str, str]]:
    """The ``name==version`` lines of a requirements file, in order (comments and blanks skipped)."""
    pins = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise VendorError(f"{requirements}: {line!r} is not an exact pin (name==version).")
        pins.append((match.group(1), match.group(2)))
    return pins


def vendor_distributions(pins: list[tuple[str, str]], vendor_dir: Path) -> list[Vendored]:
    """Copy each pinned, installed distribution's packages and licence files into ``vendor_dir``."""
    vendor_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for name, version in pins:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise VendorError(
                f"{name} is not installed in this Python; run `make setup` (tools/bootstrap.sh) first."
            ) from None
        if dist.version != version:
            raise VendorError(
                f"{name} {dist.version} is installed but requirements-vendor.txt pins {version}; "
                "run `make setup` to install the pinned version."
            )
        if not _installed_here(dist):
            raise VendorError(
                f"{name} {version} is not the wheel installed in this venv ({sys.prefix}); "
                "run `make setup`, which installs it there from PyPI."
            )
        done.append(_copy_distribution(dist, vendor_dir))
    return done


def _installed_here(dist: metadata.Distribution) -> bool:
    """Whether ``dist`` is a wheel installed in the running environment (RECORD lists its files),
    not a Debian python3-* package seen through --system-site-packages."""
    location = Path(str(dist.locate_file(""))).resolve()
    return bool(dist.files) and location.is_relative_to(Path(sys.prefix).resolve())


def _copy_distribution(dist: metadata.Distribution, vendor_dir: Path) -> Vendored:
    name, version = dist.metadata["Name"], dist.version
    files = [PurePosixPath(str(f)) for f in dist.files or ()]
    top_level = sorted(
        {
            f.parts[0].removesuffix(".py")
            for f in files
            if len(f.parts) >= 1
            and not f.parts[0].endswith((".dist-info", ".egg-info", ".data"))
            and f.parts[0] not in ("..", "__pycache__")
            and (len(f.parts) > 1 or f.suffix == ".py")
        }
    )
    if not top_level:
        raise VendorError(f"{name} {version} installs no importable package to vendor.")
    for relative in files:
        if relative.parts[0].removesuffix(".py") not in top_level:
            continue
        if "__pycache__" in relative.parts or relative.suffix == ".pyc":
            continue
        source = Path(str(dist.locate_file(relative)))
        target = vendor_dir / Path(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    licence_dir = vendor_dir / "licenses" / f"{name}-{version}"
    licence_files = []
    for relative in files:
        if relative.parts[0].endswith(".dist-info") and _LICENCE_FILE.search(relative.name):
            licence_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(str(dist.locate_file(relative))), licence_dir / relative.name)
            licence_files.append(f"licenses/{name}-{version}/{relative.name}")
    if not licence_files:
        raise VendorError(f"{name} {version} ships no licence file; it cannot be bundled without one.")
    licence = dist.metadata.get("License-Expression") or dist.metadata.get("License") or "see licence file"
    return Vendored(name, version, licence, tuple(top_level), tuple(sorted(licence_files)))


# --- import rewriting ------------------------------------------------------------------------------


def _top(module: str | None) -> str:
    return (module or "").split(".", 1)[0]


def _module_name_argument(node: ast.AST) -> ast.Constant | None:
    """The string constant naming a module in ``files("x")``, ``import_module("x")``, ..."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    first = node.args[0]
    if called in _MODULE_NAME_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first
    return None


def _rewrite_alias(alias: ast.alias, names: frozenset[str], prefix: str) -> str:
    if _top(alias.name) not in names:
        return alias.name + (f" as {alias.asname}" if alias.asname else "")
    if alias.asname:
        return f"{prefix}.{alias.name} as {alias.asname}"
    top = _top(alias.name)
    if alias.name == top:
        return f"{prefix}.{top} as {top}"
    return f"{prefix}.{alias.name}, {prefix}.{top} as {top}"


def rewrite_source(source: str, names: frozenset[str], prefix: str) -> str:
    """``source`` with every absolute import of a top-level name in ``names`` moved under ``prefix``."""
    data = source.encode("utf-8")
    line_starts = [0]
    for line in data.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:  # ast columns are UTF-8 byte offsets
        return line_starts[lineno - 1] + col

    edits: list[tuple[int, int, bytes]] = []
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _top(node.module) in names:
            start = offset(node.lineno, node.col_offset)
            match = re.compile(rb"from(?:\s|\\\n)+([\w.]+)").match(data, start)
            if match is None or match.group(1).decode() != node.module:
                raise VendorError(f"cannot find the module name of {ast.unparse(node)!r} in the source")
            edits.append((match.start(1), match.end(1), f"{prefix}.{node.module}".encode()))
        elif isinstance(node, ast.Import) and any(_top(a.name) in names for a in node.names):
            start = offset(node.lineno, node.col_offset)
            end = offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
            text = "import " + ", ".join(_rewrite_alias(a, names, prefix) for a in node.names)
            edits.append((start, end, text.encode()))
        elif (constant := _module_name_argument(node)) is not None and _top(constant.value) in names:
            start = offset(constant.lineno, constant.col_offset)
            end = offset(constant.end_lineno or constant.lineno, constant.end_col_offset or 0)
            literal, old = data[start:end], constant.value.encode()
            if literal.count(old) != 1:
                raise VendorError(f"cannot rewrite the module name string {literal!r}")
            edits.append((start, end, literal.replace(old, f"{prefix}.{constant.value}".encode())))
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    return data.decode("utf-8")


def leftover_imports(source: str, names: frozenset[str]) -> list[str]:
    """Statements in ``source`` that would still import one of ``names`` from outside the plugin."""
    return [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(source))
        if _imports_outside(node, names)
    ]


def _imports_outside(node: ast.AST, names: frozenset[str]) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and _top(node.module) in names
    if isinstance(node, ast.Import):
        return any(_top(alias.name) in names for alias in node.names)
    constant = _module_name_argument(node)
    return constant is not None and _top(constant.value) in names


def rewrite_tree(package_dir: Path, names: frozenset[str], prefix: str) -> list[Path]:
    """Rewrite every ``.py`` file under ``package_dir`` in place; returns the files that changed.

    Raises :class:`VendorError` naming every import that still escapes the plugin afterwards.
    """
    changed, escaping = [], []
    for path in sorted(package_dir.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        rewritten = rewrite_source(source, names, prefix)
        if rewritten != source:
            path.write_text(rewritten, encoding="utf-8")
            changed.append(path)
        relative = path.relative_to(package_dir)
        escaping += [f"{relative} {where}" for where in leftover_imports(rewritten, names)]
    if escaping:
        raise VendorError("imports still reach outside the vendor folder:\n  " + "\n  ".join(escaping))
    return changed
