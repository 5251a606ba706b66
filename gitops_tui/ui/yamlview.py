"""An object as YAML lines, each knowing the field it shows, so drifted fields can be lit up.

The agent names a drifted field with a jq-like path (``.spec.template.spec.containers[name=web]
.image``; list-map elements by their keys, so a reordered list still names the same element).
Emitting the YAML here, rather than through a YAML library, keeps each line's path at hand: a
line is drifted when its field is the drifted one or lies inside it. The layout follows
``kubectl get -o yaml`` (block style, list items at their key's indentation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_tui.engine.diff import MASK

#: A list element in a line's path: its index and the element itself (to match keys).
_Element = tuple[int, Any]
_LineSegment = str | _Element
#: A step of a drift path: a field, an index, or list-map keys with their printed values.
_Step = str | int | tuple[tuple[str, str], ...]

_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)")
_INDEX = re.compile(r"\[(\d+)\]")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_BARE_KEY_VALUE = re.compile(r"[A-Za-z0-9_./:-]*")
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+=:-]*(?: [A-Za-z0-9_./@+=()-]+)*(?<!:)")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
#: List-map keys with a default the API server fills in (a path may name them).
_KEY_DEFAULTS = {"protocol": "TCP"}
_DECODER = json.JSONDecoder()
_SECRET_MAPS = ("data", "stringData")


@dataclass(frozen=True)
class YamlLine:
    text: str
    drifted: bool


def yaml_lines(obj: Mapping[str, Any] | None, drift_paths: Iterable[str] = ()) -> list[YamlLine]:
    """``obj`` as YAML lines, those showing a field at or under a drift path marked."""
    if obj is None:
        return []
    paths = [p for p in (parse_path(text) for text in drift_paths) if p is not None]
    emitted: list[tuple[str, tuple[_LineSegment, ...]]] = []
    _mapping(obj, 0, (), emitted)
    return [YamlLine(text, any(_under(path, p) for p in paths)) for text, path in emitted]


def masked(obj: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """``obj`` with Secret values replaced by the mask (the agent masks them already; the
    screen must never show one even if a value slipped through)."""
    if obj is None or obj.get("kind") != "Secret":
        return obj
    shown = dict(obj)
    for name in _SECRET_MAPS:
        values = shown.get(name)
        if isinstance(values, Mapping):
            shown[name] = dict.fromkeys(values, MASK)
    return shown


def parse_path(text: str) -> tuple[_Step, ...] | None:
    """The steps of a drift path; ``None`` when it is not one (then nothing is lit up)."""
    steps: list[_Step] = []
    pos = 0
    try:
        while pos < len(text):
            if match := _FIELD.match(text, pos):
                steps.append(match[1])
                pos = match.end()
            elif match := _INDEX.match(text, pos):
                steps.append(int(match[1]))
                pos = match.end()
            elif text.startswith('["', pos):
                name, pos = _DECODER.raw_decode(text, pos + 1)
                steps.append(str(name))
                pos = _expect(text, pos, "]")
            elif text.startswith("[", pos):
                keys, pos = _keys(text, pos + 1)
                steps.append(keys)
            else:
                return None
    except ValueError:
        return None
    return tuple(steps)


def _keys(text: str, pos: int) -> tuple[tuple[tuple[str, str], ...], int]:
    keys: list[tuple[str, str]] = []
    while True:
        name = _KEY.match(text, pos)
        if name is None:
            raise ValueError(text)
        pos = name.end()
        if text.startswith('"', pos):
            end = _DECODER.raw_decode(text, pos)[1]
        else:
            bare = _BARE_KEY_VALUE.match(text, pos)
            end = bare.end() if bare else pos
        keys.append((name[1], text[pos:end]))
        if text.startswith(",", end):
            pos = end + 1
            continue
        return tuple(keys), _expect(text, end, "]")


def _expect(text: str, pos: int, char: str) -> int:
    if not text.startswith(char, pos):
        raise ValueError(text)
    return pos + 1


def _under(line: Sequence[_LineSegment], drift: Sequence[_Step]) -> bool:
    if len(line) < len(drift):
        return False
    return all(_matches(segment, step) for segment, step in zip(line, drift, strict=False))


def _matches(segment: _LineSegment, step: _Step) -> bool:
    if isinstance(segment, str):
        return segment == step
    index, element = segment
    if isinstance(step, int):
        return index == step
    if isinstance(step, tuple):
        return isinstance(element, Mapping) and all(
            _key_text(element.get(key, _KEY_DEFAULTS.get(key))) == value for key, value in step
        )
    return False


def _key_text(value: Any) -> str:
    if isinstance(value, str) and _BARE_KEY_VALUE.fullmatch(value):
        return value
    return "" if value is None else json.dumps(value)


def _mapping(
    obj: Mapping[str, Any],
    indent: int,
    path: tuple[_LineSegment, ...],
    out: list[tuple[str, tuple[_LineSegment, ...]]],
    first_prefix: str | None = None,
) -> None:
    pad = " " * indent
    for n, (key, value) in enumerate(obj.items()):
        lead = first_prefix if (n == 0 and first_prefix is not None) else pad
        _field(f"{lead}{_scalar_key(str(key))}:", value, indent, (*path, str(key)), out)


def _field(
    head: str,
    value: Any,
    indent: int,
    path: tuple[_LineSegment, ...],
    out: list[tuple[str, tuple[_LineSegment, ...]]],
) -> None:
    if isinstance(value, Mapping) and value:
        out.append((head, path))
        _mapping(value, indent + 2, path, out)
    elif isinstance(value, list) and value:
        out.append((head, path))
        _sequence(value, indent, path, out)
    elif isinstance(value, str) and "\n" in value:
        out.append((f"{head} |", path))
        out.extend((" " * (indent + 2) + line, path) for line in value.rstrip("\n").split("\n"))
    else:
        out.append((f"{head} {_scalar(value)}", path))


def _sequence(
    items: list[Any],
    indent: int,
    path: tuple[_LineSegment, ...],
    out: list[tuple[str, tuple[_LineSegment, ...]]],
) -> None:
    pad = " " * indent
    for index, item in enumerate(items):
        where = (*path, (index, item))
        if isinstance(item, Mapping) and item:
            _mapping(item, indent + 2, where, out, first_prefix=f"{pad}- ")
        elif isinstance(item, list) and item:
            out.append((f"{pad}-", where))
            _sequence(item, indent + 2, where, out)
        else:
            out.append((f"{pad}- {_scalar(item)}", where))


def _scalar_key(key: str) -> str:
    return key if _plain(key) else json.dumps(key)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    return text if _plain(text) and not _numeric(text) else json.dumps(text)


def _plain(text: str) -> bool:
    """Whether YAML reads ``text`` back as this very string without quotes."""
    return bool(
        _PLAIN.fullmatch(text)
        and text.lower() not in _RESERVED
        and ": " not in text
        and " #" not in text
    )


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
