"""The translations: i18n/firstlight_<lang>.ts in step with the plugin's strings, and safe to use.

When a test here fails after a change of wording: ``make i18n-update``, then translate the
strings it marks unfinished in i18n/firstlight_<lang>.ts (Qt Linguist, or by hand).
"""

from __future__ import annotations

import ast
import re
import string
import subprocess
from pathlib import Path

import pytest

from tools.i18n import CONTEXT, extract, problems, read_ts
from tools.package import find_lrelease

ROOT = Path(__file__).resolve().parents[2]
TS_FILES = sorted((ROOT / "i18n").glob("firstlight_*.ts"))


def test_there_is_a_translation() -> None:
    assert [ts.name for ts in TS_FILES if ts.name == "firstlight_fr.ts"] == ["firstlight_fr.ts"]


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.stem)
def test_every_string_of_the_plugin_is_translated(ts: Path) -> None:
    left = problems(ts)
    assert left == [], f"run `make i18n-update` and translate in {ts.name}:\n" + "\n".join(left)


def _fields(text: str) -> list[str]:
    return sorted(f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(text) if name is not None)


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.stem)
def test_translations_keep_the_placeholders_and_parameter_ids(ts: Path) -> None:
    """``.format()`` runs on the translated text: a lost or renamed {field} would raise at run time."""
    _, known = read_ts(ts)
    ids = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # SCENES_JSON, OUTPUT_FOLDER, ...
    for (_, source), (translation, finished) in known.items():
        if finished:
            assert _fields(translation) == _fields(source), source
            assert sorted(ids.findall(translation)) == sorted(ids.findall(source)), source


def test_every_tr_method_translates_in_the_one_context() -> None:
    """tools/i18n.py files tr() strings under FirstLight: every tr() must translate there."""
    for path in (ROOT / "firstlight_qgis").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "tr":
                contexts = [
                    call.args[0].value
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call)
                    and getattr(call.func, "attr", None) == "translate"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ]
                assert contexts == [CONTEXT], f"{path}:{node.lineno}"
    assert extract(), "no translatable strings found"


def test_self_tr_is_always_firstlights_own() -> None:
    """``self.tr`` of a Qt class without its own ``tr`` translates under the class name, which the
    .ts never has: every class calling ``self.tr`` must get ``tr`` from a FirstLight class."""
    classes = {}
    for path in (ROOT / "firstlight_qgis").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = (path, node)

    def defines_tr(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name not in classes or name in seen:
            return False
        _, node = classes[name]
        if any(isinstance(item, ast.FunctionDef) and item.name == "tr" for item in node.body):
            return True
        bases = [base.id if isinstance(base, ast.Name) else getattr(base, "attr", "") for base in node.bases]
        return any(defines_tr(base, seen | {name}) for base in bases)

    for name, (path, node) in classes.items():
        uses = any(
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "tr"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "self"
            for call in ast.walk(node)
        )
        assert not uses or defines_tr(name), f"{path}: class {name} calls self.tr without FirstLight's tr"


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.stem)
def test_lrelease_compiles_it_without_dropping_anything(ts: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [find_lrelease(), ts, "-qm", tmp_path / "out.qm"], capture_output=True, text=True, check=True
    )
    assert "0 unfinished" in result.stdout, result.stdout
    assert (tmp_path / "out.qm").stat().st_size > 0
