"""Field sets, FieldsV1 and path strings, spelled exactly as structured-merge-diff spells them.

Server-side apply records who owns which field in ``metadata.managedFields`` as FieldsV1
trees (``f:spec``, ``k:{"name":"web"}``, ``v:"x"``, ``.``) and names fields in conflict
errors with path strings (``.spec.containers[name="web"].image``). kubectl and every client
read both verbatim, so the prefixes, the order of keys and the JSON spelling of values must
match sigs.k8s.io/structured-merge-diff byte for byte. This module owns that encoding and the
set algebra (union, difference, ...) the field manager is built on; it knows nothing about
schemas or objects.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

#: A path element: ``("f", name)``, ``("k", ((key, value), ...))``, ``("v", value)`` or
#: ``("i", index)``; values are frozen with :func:`freeze` so elements hash and order.
PathElement = tuple[str, Any]
Path = tuple[PathElement, ...]

_KIND_ORDER = {"f": 0, "k": 1, "v": 2, "i": 3}
_NUMBER, _STRING, _BOOL, _LIST, _MAP, _NULL = range(6)


def freeze(value: Any) -> tuple[int, Any]:
    """A hashable form of a JSON value, ordered as structured-merge-diff's ``value.Compare``.

    Numbers sort before strings, then booleans, lists, maps and null; ints and floats compare
    numerically (``80`` and ``80.0`` are the same key, as in Go).
    """
    if isinstance(value, bool):
        return (_BOOL, value)
    if isinstance(value, int | float):
        return (_NUMBER, value)
    if isinstance(value, str):
        return (_STRING, value)
    if isinstance(value, list):
        return (_LIST, tuple(freeze(item) for item in value))
    if isinstance(value, dict):
        return (_MAP, tuple(sorted((key, freeze(item)) for key, item in value.items())))
    return (_NULL, None)


def thaw(frozen: tuple[int, Any]) -> Any:
    """The JSON value :func:`freeze` was given."""
    rank, payload = frozen
    if rank == _LIST:
        return [thaw(item) for item in payload]
    if rank == _MAP:
        return {key: thaw(item) for key, item in payload}
    return payload


def field(name: str) -> PathElement:
    return ("f", name)


def sort_key(pe: PathElement) -> tuple[int, Any]:
    """Field names, then list-map keys, then set values, then indexes (``PathElement.Less``)."""
    return (_KIND_ORDER[pe[0]], pe[1])


class FieldSet:
    """A set of field paths stored as a tree, like ``fieldpath.Set``.

    ``members`` are the path elements owned at this level; ``children`` hold the subsets
    below an element (being a child does not imply membership). Sets are built with
    :meth:`insert` and treated as immutable afterwards: operations share unchanged subtrees.
    """

    __slots__ = ("children", "members")

    def __init__(
        self,
        members: set[PathElement] | None = None,
        children: dict[PathElement, FieldSet] | None = None,
    ) -> None:
        self.members: set[PathElement] = members if members is not None else set()
        self.children: dict[PathElement, FieldSet] = children if children is not None else {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSet):
            return NotImplemented
        return self.members == other.members and self.children == other.children

    def __repr__(self) -> str:
        return f"FieldSet({[path_string(p) for p in self.paths()]})"

    @classmethod
    def of(cls, *paths: Path) -> FieldSet:
        result = cls()
        for path in paths:
            result.insert(path)
        return result

    def insert(self, path: Path) -> None:
        """Add ``path`` (not its parents); the empty path (the whole object) is never owned."""
        if not path:
            return
        node = self
        for pe in path[:-1]:
            child = node.children.get(pe)
            if child is None:
                child = node.children[pe] = FieldSet()
            node = child
        node.members.add(path[-1])

    def has(self, path: Path) -> bool:
        node: FieldSet | None = self
        for pe in path[:-1]:
            node = node.children.get(pe) if node is not None else None
        return bool(path) and node is not None and path[-1] in node.members

    def empty(self) -> bool:
        return not self.members and not self.children

    def with_prefix(self, pe: PathElement) -> FieldSet:
        """The paths below ``pe``, without it."""
        return self.children.get(pe) or FieldSet()

    def union(self, other: FieldSet) -> FieldSet:
        children = dict(self.children)
        for pe, sub in other.children.items():
            mine = children.get(pe)
            children[pe] = sub if mine is None else mine.union(sub)
        return FieldSet(self.members | other.members, children)

    def intersection(self, other: FieldSet) -> FieldSet:
        children = {}
        for pe, sub in self.children.items():
            theirs = other.children.get(pe)
            if theirs is not None:
                common = sub.intersection(theirs)
                if not common.empty():
                    children[pe] = common
        return FieldSet(self.members & other.members, children)

    def difference(self, other: FieldSet) -> FieldSet:
        """Path-wise difference: a parent minus its child stays, a child minus its parent too."""
        if other.empty():
            return self
        children = {}
        for pe, sub in self.children.items():
            theirs = other.children.get(pe)
            rest = sub if theirs is None else sub.difference(theirs)
            if not rest.empty():
                children[pe] = rest
        return FieldSet(self.members - other.members, children)

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Like :meth:`difference`, but a member of ``other`` also removes everything below it."""
        if other.empty():
            return self
        children = {}
        for pe, sub in self.children.items():
            if pe in other.members:
                continue
            theirs = other.children.get(pe)
            rest = sub if theirs is None else sub.recursive_difference(theirs)
            if not rest.empty():
                children[pe] = rest
        return FieldSet(self.members - other.members, children)

    def paths(self) -> Iterator[Path]:
        """Every member path, in ``Set.Iterate`` order (members first, then each child)."""
        for pe in sorted(self.members, key=sort_key):
            yield (pe,)
        for pe in sorted(self.children, key=sort_key):
            for rest in self.children[pe].paths():
                yield (pe, *rest)


def to_fields_v1(fields: FieldSet) -> dict[str, Any]:
    """The FieldsV1 JSON object of a set, keys in structured-merge-diff's order."""
    out: dict[str, Any] = {}
    for pe in sorted(fields.members | fields.children.keys(), key=sort_key):
        child = fields.children.get(pe)
        if child is None:
            out[_serialize_pe(pe)] = {}
            continue
        body: dict[str, Any] = {".": {}} if pe in fields.members else {}
        body.update(to_fields_v1(child))
        out[_serialize_pe(pe)] = body
    return out


def from_fields_v1(raw: Any) -> FieldSet:
    """Parse a FieldsV1 object; raises ValueError on malformed input.

    As in Go, ``{}`` and ``{".": {}}`` mark a member, unknown prefixes are skipped.
    """
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {type(raw).__name__}")
    result = FieldSet()
    for key, body in raw.items():
        if key == ".":
            continue
        pe = _parse_pe(key)
        if pe is None:
            continue
        child = from_fields_v1(body)
        if "." in body or child.empty():
            result.members.add(pe)
        if not child.empty():
            result.children[pe] = child
    return result


# Path elements repeat across every object's managedFields ("f:metadata", "k:{...}"): each
# key is parsed and printed once.
@functools.lru_cache(maxsize=8192)
def _serialize_pe(pe: PathElement) -> str:
    kind, payload = pe
    if kind == "f":
        return f"f:{payload}"
    if kind == "k":
        items = ",".join(f"{go_json(name)}:{go_json(thaw(value))}" for name, value in payload)
        return "k:{" + items + "}"
    if kind == "v":
        return "v:" + go_json(thaw(payload))
    return f"i:{payload}"


@functools.lru_cache(maxsize=8192)
def _parse_pe(text: str) -> PathElement | None:
    prefix, sep, rest = text.partition(":")
    if not sep or prefix not in _KIND_ORDER:
        return None
    if prefix == "f":
        return ("f", rest)
    try:
        decoded = json.loads(rest)
    except json.JSONDecodeError as exc:
        raise ValueError(f"parsing key as path element: {exc}") from exc
    if prefix == "i":
        if not isinstance(decoded, int):
            raise ValueError(f"invalid index {rest!r}")
        return ("i", decoded)
    if prefix == "v":
        return ("v", freeze(decoded))
    if not isinstance(decoded, dict) or not decoded:
        raise ValueError(f"invalid key {rest!r}")
    return ("k", tuple(sorted((name, freeze(value)) for name, value in decoded.items())))


def path_string(path: Path) -> str:
    """``fieldpath.Path.String()``: ``.spec.ports[containerPort=80,protocol="TCP"].name``."""
    parts = []
    for kind, payload in path:
        if kind == "f":
            parts.append(f".{payload}")
        elif kind == "k":
            keys = ",".join(f"{name}={_go_value_string(value)}" for name, value in payload)
            parts.append(f"[{keys}]")
        elif kind == "v":
            parts.append(f"[={_go_value_string(payload)}]")
        else:
            parts.append(f"[{payload}]")
    return "".join(parts)


def _go_value_string(frozen: tuple[int, Any]) -> str:
    """``value.ToString``: Go's ``%v`` for numbers and booleans, ``%q`` for strings."""
    rank, payload = frozen
    if rank == _NULL:
        return "null"
    if rank == _BOOL:
        return "true" if payload else "false"
    if rank == _NUMBER:
        return _go_float_v(payload) if isinstance(payload, float) else str(payload)
    if rank == _STRING:
        return go_quote(payload)
    if rank == _LIST:
        return "[" + ",".join(_go_value_string(item) for item in payload) + "]"
    return "".join(f"{key}={_go_value_string(item)}" for key, item in payload)


def go_json(value: Any) -> str:
    """JSON as Go's encoding/json writes it: sorted keys, HTML-safe escapes, Go floats."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float_json(value)
    if isinstance(value, str):
        return _go_json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    items = sorted(value.items())
    return "{" + ",".join(f"{_go_json_string(k)}:{go_json(v)}" for k, v in items) + "}"


_HTML_SAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _go_json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    if any(ch in encoded for ch in _HTML_SAFE):
        encoded = "".join(_HTML_SAFE.get(ch, ch) for ch in encoded)
    return encoded


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (``%q``)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_v(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value (``map[a:1]``, ``[x y]``, ``<nil>``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float_v(value)
    if isinstance(value, list):
        return "[" + " ".join(go_v(item) for item in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


def go_sharp_v(value: Any) -> str:
    """Go's ``%#v`` of a decoded JSON value (``"x"``, ``[]interface {}{1}``...)."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(item) for item in value) + "}"
    if isinstance(value, dict):
        items = ", ".join(f"{go_quote(k)}:{go_sharp_v(v)}" for k, v in sorted(value.items()))
        return "map[string]interface {}{" + items + "}"
    return go_v(value)


def _shortest_digits(number: float) -> tuple[str, str, int]:
    """Sign, shortest round-trip digits and decimal exponent (``0.d1d2... x 10^exp``)."""
    _, digits, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    text = "".join(str(d) for d in digits)
    assert isinstance(exponent, int)
    return ("-" if number < 0 else ""), text, len(text) + exponent


def _go_float_json(number: float) -> str:
    """encoding/json: fixed notation, or exponent form below 1e-6 and from 1e21 on."""
    if number == 0:
        return "0"
    sign, digits, point = _shortest_digits(number)
    if 1e-6 <= abs(number) < 1e21:
        return sign + _fixed(digits, point)
    return sign + _exponent(digits, point, min_width=1)


def _go_float_v(number: float) -> str:
    """fmt's ``%v``: ``%g`` with the shortest digits, exponent form below 1e-4 and from 1e6."""
    if number == 0:
        return "0"
    sign, digits, point = _shortest_digits(number)
    if -4 <= point - 1 < 6:
        return sign + _fixed(digits, point)
    return sign + _exponent(digits, point, min_width=2)


def _fixed(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def _exponent(digits: str, point: int, min_width: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):0{min_width}d}"
