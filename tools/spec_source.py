"""Read a vendor's whole OpenAPI document tolerantly, and write a reduced one that keeps the vendor's own text.

Two jobs for ``tools.spec_update``:

Reading (``read_source``). A vendor's published document is large (Edge
Impulse's is about 1 MB) and this project vendors a handful of its
operations. One stray byte anywhere must not block every update, so bytes
the parsers refuse are repaired, and every repair is recorded with its line,
column and JSON pointer: invalid UTF-8 and characters YAML forbids (C0
control characters such as U+001C, DEL, ...) become U+FFFD. Whether a repair
may stand is decided later, against what is actually vendored
(``repairs_inside``): a repair inside a vendored part is refused.

Writing (``render``). The reduced document is written as YAML that reuses the
source text of every entry whose value is unchanged: the committed spec's
text first (so an update that changes nothing of an entry leaves its bytes
alone), else the upstream's text (so the vendored file reads like the
vendor's). Text is reused only when that text, parsed on its own, gives
exactly the value to be written; everything else is serialised with PyYAML.
The whole output is parsed again and compared with the reduced document, so
a rendering mistake can never change what is vendored.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from tools.spec_diff import SpecError

Pointer = tuple[str, ...]
REPLACEMENT = "\ufffd"
#: What YAML (and so the generator) refuses; JSON refuses a subset of it inside strings.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _loader(text: str) -> yaml.SafeLoader | yaml.CSafeLoader:
    """libyaml's safe loader when PyYAML was built with it (about 3x faster on a 1 MB document)."""
    return yaml.CSafeLoader(text) if yaml.__with_libyaml__ else yaml.SafeLoader(text)


def _load(text: str) -> Any:
    loader = _loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@dataclass(frozen=True)
class Repair:
    """One character replaced by U+FFFD so that the document parses."""

    line: int  # 1-based
    column: int  # 1-based
    offset: int  # 0-based character offset in the repaired text
    found: str  # "U+001C (INFORMATION SEPARATOR FOUR)" or "invalid UTF-8 byte 0xFF"
    pointer: Pointer | None = None  # where it sits in the document, when known

    @property
    def where(self) -> str:
        return "/".join(self.pointer) if self.pointer else "?"

    def text(self) -> str:
        return f"line {self.line}, column {self.column}: {self.found} -> U+FFFD in {self.where}"

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "found": self.found, "pointer": self.where}


@dataclass
class Source:
    """One parsed document: its (repaired) text, its data and, for YAML/JSON it could compose, its node tree."""

    label: str
    text: str
    data: dict[str, Any]
    sha256: str  # of the raw bytes, before any repair
    root: yaml.Node | None = None
    repairs: list[Repair] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def _decode(raw: bytes) -> tuple[str, list[tuple[int, str]]]:
    """UTF-8 text (a BOM dropped); each invalid byte becomes U+FFFD, recorded as (offset in text, description)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    parts: list[str] = []
    found: list[tuple[int, str]] = []
    length = 0
    position = 0
    while True:
        try:
            piece = raw[position:].decode("utf-8")
        except UnicodeDecodeError as exc:
            piece = raw[position : position + exc.start].decode("utf-8")
            parts.append(piece)
            length += len(piece)
            bad = raw[position + exc.start : position + exc.end]
            found.append((length, "invalid UTF-8 byte" + ("s " if len(bad) > 1 else " ") + bad.hex(" ").upper()))
            parts.append(REPLACEMENT)
            length += 1
            position += exc.end
            continue
        parts.append(piece)
        return "".join(parts), found


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "") or {
        "\x1c": "INFORMATION SEPARATOR FOUR",
        "\x1d": "INFORMATION SEPARATOR THREE",
        "\x1e": "INFORMATION SEPARATOR TWO",
        "\x1f": "INFORMATION SEPARATOR ONE",
    }.get(char, "control character")
    return f"U+{ord(char):04X} ({name})"


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_source(raw: bytes, label: str, *, tolerant: bool = True) -> Source:
    """Parse JSON or YAML bytes into a Source; with ``tolerant``, repair what the parsers refuse (see module doc)."""
    text, bad_bytes = _decode(raw)
    found = list(bad_bytes)
    chars = list(text)
    for match in _NON_PRINTABLE.finditer(text):
        if match.group() != REPLACEMENT:
            found.append((match.start(), _describe_char(match.group())))
            chars[match.start()] = REPLACEMENT
    if found and not tolerant:
        offset, what = min(found)
        line, column = _line_column(text, offset)
        raise SpecError(f"{label}: line {line}, column {column}: {what} is not allowed here")
    text = "".join(chars)
    data, root = _parse(text, label)
    repairs = []
    for offset, what in sorted(found):
        line, column = _line_column(text, offset)
        repairs.append(Repair(line, column, offset, what, _pointer_at(root, offset) if root is not None else None))
    return Source(label, text, data, hashlib.sha256(raw).hexdigest(), root, repairs)


def _parse(text: str, label: str) -> tuple[dict[str, Any], yaml.Node | None]:
    """JSON first (exact, and what most vendors publish), then YAML; the node tree whenever YAML can compose it."""
    data: Any
    root: yaml.Node | None = None
    try:
        data = json.loads(text)
    except ValueError:
        loader = _loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        except yaml.YAMLError as exc:
            raise SpecError(f"{label}: neither JSON nor YAML: {exc}") from exc
        finally:
            loader.dispose()
    else:
        root = _compose_quietly(text)
    if not isinstance(data, dict):
        raise SpecError(f"{label}: expected an OpenAPI document (a mapping), got {type(data).__name__}")
    version = data.get("openapi")
    if not isinstance(version, str) or not version.startswith("3.") or not isinstance(data.get("paths"), dict):
        raise SpecError(f"{label}: not an OpenAPI 3 document (no 'openapi: 3.x' or no 'paths' mapping)")
    return data, root


def _compose_quietly(text: str) -> yaml.Node | None:
    """The YAML node tree of a JSON text (JSON is nearly always YAML), only to locate repairs; None when not."""
    loader = _loader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _pointer_at(root: yaml.Node, offset: int) -> Pointer:
    """The JSON pointer of the deepest mapping entry or list item whose text holds ``offset``."""
    pointer: list[str] = []
    node = root
    while True:
        if isinstance(node, yaml.MappingNode):
            pairs = node.value
            hit = next(
                (
                    (key, value)
                    for key, value in pairs
                    if key.start_mark.index <= offset < max(value.end_mark.index, key.end_mark.index)
                ),
                None,
            )
            if hit is None:
                return tuple(pointer)
            pointer.append(str(hit[0].value))
            node = hit[1]
        elif isinstance(node, yaml.SequenceNode):
            index = next(
                (i for i, item in enumerate(node.value) if item.start_mark.index <= offset < item.end_mark.index), None
            )
            if index is None:
                return tuple(pointer)
            pointer.append(str(index))
            node = node.value[index]
        else:
            return tuple(pointer)


def repairs_inside(source: Source, vendored: Sequence[Pointer]) -> list[Repair]:
    """The repairs that lie inside one of the ``vendored`` parts (an unknown location counts as inside)."""
    return [
        repair
        for repair in source.repairs
        if repair.pointer is None or any(repair.pointer[: len(part)] == part for part in vendored)
    ]


# --------------------------------------------------------------------------- looking up


def data_at(data: Any, pointer: Pointer) -> tuple[bool, Any]:
    """(found, value) at ``pointer`` in parsed data; a YAML integer key such as 200 matches "200"."""
    node = data
    for part in pointer:
        if not isinstance(node, Mapping):
            return False, None
        if part in node:
            node = node[part]
            continue
        key = next((k for k in node if str(k) == part), _MISSING)
        if key is _MISSING:
            return False, None
        node = node[key]
    return True, node


_MISSING = object()


def _pair_at(root: yaml.Node, pointer: Pointer) -> tuple[yaml.Node, yaml.Node] | None:
    node: yaml.Node = root
    pair: tuple[yaml.Node, yaml.Node] | None = None
    for part in pointer:
        if not isinstance(node, yaml.MappingNode):
            return None
        pair = next(
            ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
            None,
        )
        if pair is None:
            return None
        node = pair[1]
    return pair


def _entry_text(source: Source, pointer: Pointer) -> str | None:
    """The source text of the mapping entry at ``pointer`` (key line to end of value), dedented to column 0."""
    if source.root is None or not pointer:
        return None
    pair = _pair_at(source.root, pointer)
    if pair is None:
        return None
    key, value = pair
    column = key.start_mark.column
    line_start = key.start_mark.index - column
    if source.text[line_start : key.start_mark.index].strip(" ") or value.end_mark.index <= key.start_mark.index:
        return None  # not a block mapping entry on a line of its own (a list item, flow style)
    return _chunk(source.text, line_start, value.end_mark.index, column)


def _item_text(source: Source, pointer: Pointer, index: int) -> str | None:
    """The source text of item ``index`` of the block sequence at ``pointer`` ("- " line on), dedented."""
    pair = _pair_at(source.root, pointer) if source.root is not None else None
    if pair is None or not isinstance(pair[1], yaml.SequenceNode) or index >= len(pair[1].value):
        return None
    item = pair[1].value[index]
    line_start = item.start_mark.index - item.start_mark.column
    prefix = source.text[line_start : item.start_mark.index]
    if prefix.strip(" ") != "-" or not prefix.rstrip(" ").endswith("-"):
        return None  # not a block sequence item on a line of its own
    return _chunk(source.text, line_start, item.end_mark.index, prefix.index("-"))


def _chunk(text: str, line_start: int, end: int, column: int) -> str | None:
    """Whole lines from ``line_start`` to the node ending at ``end``, without trailing blank or comment lines."""
    chunk = text[line_start:end]
    if not chunk.endswith("\n"):
        newline = text.find("\n", end)
        rest = text[end : newline if newline >= 0 else len(text)]
        if not rest.strip() or rest.lstrip().startswith("#"):
            chunk = text[line_start : newline + 1 if newline >= 0 else len(text)]
        else:  # a block collection ends where the next entry starts: cut back to the last line break
            chunk = chunk[: chunk.rfind("\n") + 1]
    lines = chunk.splitlines(keepends=True)
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    dedented = []
    for line in lines:
        if not line.strip():
            dedented.append("\n")
        elif line.startswith(" " * column):
            dedented.append(line[column:])
        else:
            return None
    if not dedented or not dedented[-1].endswith("\n"):
        return None
    return "".join(dedented)


def _reusable(source: Source, pointer: Pointer, value: Any) -> str | None:
    """The source's text for ``pointer`` if, parsed alone, it is exactly ``{key: value}``."""
    found, current = data_at(source.data, pointer)
    if not found or current != value:
        return None
    text = _entry_text(source, pointer)
    return text if text is not None and _reads_back(text, {pointer[-1]: value}) else None


def _reusable_item(source: Source, pointer: Pointer, item: Any) -> str | None:
    """The source's text for an item equal to ``item`` of the sequence at ``pointer``, if it reads back exactly."""
    found, current = data_at(source.data, pointer)
    if not found or not isinstance(current, list):
        return None
    for index, candidate in enumerate(current):
        if candidate == item:
            text = _item_text(source, pointer, index)
            if text is not None and _reads_back(text, [item]):
                return text
    return None


def _reads_back(text: str, expected: Any) -> bool:
    try:
        return _same(_load(text), expected)
    except yaml.YAMLError:
        return False


def _same(a: Any, b: Any) -> bool:
    """Equal, with mapping keys of the same type (YAML's 200 is not "200") and in the same order."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return (
            list(a) == list(b)
            and all(type(k) is type(k2) for k, k2 in zip(a, b, strict=True))
            and all(_same(a[k], b[k]) for k in a)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so a description diff in review reads like prose."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def serialise(document: Mapping[str, Any]) -> str:
    return yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


@dataclass
class Rendering:
    text: str
    reused: dict[str, int] = field(default_factory=dict)  # source label -> entries whose text was kept
    serialised: list[str] = field(default_factory=list)  # pointers written by PyYAML instead


def render(document: Mapping[str, Any], sources: Sequence[Source]) -> Rendering:
    """YAML text for ``document`` that reuses the first of ``sources`` holding an entry's exact text."""
    rendering = Rendering("")
    parts = [_render_entry(str(key), value, (str(key),), sources, rendering) for key, value in document.items()]
    rendering.text = "".join(parts)
    if not _same(_load(rendering.text), dict(document)):
        rendering = Rendering(serialise(document), {}, ["(whole document: reused text did not read back equal)"])
    return rendering


def _render_entry(key: str, value: Any, pointer: Pointer, sources: Sequence[Source], rendering: Rendering) -> str:
    depth = len(pointer) - 1
    for source in sources:
        text = _reusable(source, pointer, value)
        if text is not None:
            rendering.reused[source.label] = rendering.reused.get(source.label, 0) + 1
            return _indent(text, 2 * depth)
    head = serialise({key: None})
    simple_key = head.endswith(": null\n") and "\n" not in head[:-1]
    key_line = _indent(head[: -len(" null\n")] + "\n", 2 * depth)
    if simple_key and isinstance(value, Mapping) and value and all(isinstance(k, str) for k in value):
        children = [
            _render_entry(child, child_value, (*pointer, child), sources, rendering)
            for child, child_value in value.items()
        ]
        return key_line + "".join(children)
    if simple_key and isinstance(value, list) and value:
        return key_line + "".join(
            _indent(_render_item(item, pointer, sources, rendering), 2 * depth + 2) for item in value
        )
    rendering.serialised.append("/".join(pointer))
    return _indent(serialise({key: value}), 2 * depth)


def _render_item(item: Any, pointer: Pointer, sources: Sequence[Source], rendering: Rendering) -> str:
    for source in sources:
        text = _reusable_item(source, pointer, item)
        if text is not None:
            rendering.reused[source.label] = rendering.reused.get(source.label, 0) + 1
            return text
    rendering.serialised.append("/".join(pointer) + "/[item]")
    return yaml.dump([item], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def iter_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from iter_strings(key)
            yield from iter_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_strings(value)
