"""Keep ``i18n/firstlight_<lang>.ts`` in step with the plugin's translatable strings.

Usage: ``python tools/i18n.py update i18n/firstlight_fr.ts [...]`` (``make i18n-update``) and
``python tools/i18n.py check i18n/firstlight_fr.ts`` (lists what is missing or untranslated).

Why not pylupdate5: it files ``self.tr("...")`` under the class it appears in, while the plugin
translates every string in the one context ``FirstLight`` (``FirstLightAlgorithm.tr`` and the
provider call ``QCoreApplication.translate("FirstLight", ...)``), so its .ts would never match at
run time. This reads the sources with ``ast`` and collects:

* ``translate("Context", "text")`` (``QCoreApplication.translate``...) under ``Context``;
* ``tr("text")`` / ``self.tr("text")`` under ``FirstLight``.

Only literal strings can be translated; adjacent literals are joined as Python joins them.
Existing translations are kept; new strings are added unfinished; strings no longer in the
sources are dropped. The result is the Qt Linguist TS 2.1 format ``lrelease`` compiles.
"""

from __future__ import annotations

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "firstlight_qgis"
CONTEXT = "FirstLight"  # what every tr() in the plugin translates under


@dataclass
class Message:
    context: str
    source: str
    locations: list[tuple[str, int]] = field(default_factory=list)


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def extract(sources: Path = SOURCES) -> dict[tuple[str, str], Message]:
    """Every translatable literal under ``sources``, by (context, text), in source order."""
    messages: dict[tuple[str, str], Message] = {}
    for path in sorted(sources.rglob("*.py")):
        if "_vendor" in path.parts or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name, args = _called(node), node.args
            if name == "translate" and len(args) >= 2:
                context, text = _literal(args[0]), _literal(args[1])
            elif name == "tr" and args:
                context, text = CONTEXT, _literal(args[0])
            else:
                continue
            if context is None or not text:
                continue
            message = messages.setdefault((context, text), Message(context, text))
            message.locations.append((relative, node.lineno))
    return messages


def read_ts(path: Path) -> tuple[str, dict[tuple[str, str], tuple[str, bool]]]:
    """The language and the ``(context, source) -> (translation, finished)`` of a .ts file."""
    if not path.is_file():
        return path.stem.split("_", 1)[-1], {}
    root = ET.parse(path).getroot()
    found = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            text = (translation.text or "") if translation is not None else ""
            finished = translation is not None and translation.get("type") is None and bool(text)
            found[(name, message.findtext("source") or "")] = (text, finished)
    return root.get("language") or path.stem.split("_", 1)[-1], found


def write_ts(path: Path, language: str, messages: dict[tuple[str, str], Message], known: dict) -> None:
    root = ET.Element("TS", version="2.1", language=language)
    for context in sorted({m.context for m in messages.values()}):
        element = ET.SubElement(root, "context")
        ET.SubElement(element, "name").text = context
        for message in (m for m in messages.values() if m.context == context):
            entry = ET.SubElement(element, "message")
            for filename, line in message.locations:
                ET.SubElement(entry, "location", filename=f"../{filename}", line=str(line))
            ET.SubElement(entry, "source").text = message.source
            text, finished = known.get((context, message.source), ("", False))
            translation = ET.SubElement(entry, "translation")
            translation.text = text
            if not finished:
                translation.set("type", "unfinished")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', encoding="utf-8")


def problems(path: Path, messages: dict[tuple[str, str], Message] | None = None) -> list[str]:
    """What keeps ``path`` from translating every current string: missing or unfinished ones."""
    messages = extract() if messages is None else messages
    _, known = read_ts(path)
    found = []
    for key, message in messages.items():
        where = "{}:{}".format(*message.locations[0])
        if key not in known:
            found.append(f"missing ({where}): {message.source}")
        elif not known[key][1]:
            found.append(f"untranslated ({where}): {message.source}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("update", "check"))
    parser.add_argument("ts", type=Path, nargs="+", help="i18n/firstlight_<lang>.ts files")
    args = parser.parse_args(argv)
    messages = extract()
    status = 0
    for ts in args.ts:
        if args.command == "update":
            language, known = read_ts(ts)
            write_ts(ts, language, messages, known)
        left = problems(ts, messages)
        print(f"{ts}: {len(messages)} strings, {len(left)} missing or untranslated")
        for problem in left:
            print(f"  {problem}")
        status = status or (1 if left and args.command == "check" else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
