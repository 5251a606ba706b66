"""Field errors worded exactly like apimachinery's ``field.Error``.

kubectl prints a 422's message verbatim and clients match on ``causes`` (reason, field,
message), so every validation rule reports through these constructors, which reproduce
``field.Error.ErrorBody()`` of Kubernetes v1.37: Go ``%q`` for strings, plain numbers, and
compact JSON (Go's ``json.Marshal``, HTML-escaped) for maps, lists and structs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
FORBIDDEN = "FieldValueForbidden"
DUPLICATE = "FieldValueDuplicate"
NOT_FOUND = "FieldValueNotFound"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
TYPE_INVALID = "FieldValueTypeInvalid"

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES |= {"\v": "\\v", '"': '\\"', "\\": "\\\\"}


@dataclass(frozen=True)
class FieldError:
    """One validation failure: the ``causes`` entry of a 422 and one line of its message."""

    type: str
    field: str
    detail: str

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}"


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object field as a dict (``{}`` when absent or not an object)."""
    return value if isinstance(value, dict) else {}


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def key(path: str, name: str) -> str:
    return f"{path}[{name}]"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, _body("Required value", detail))


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, path, _body("Forbidden", detail))


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(INVALID, path, _body(f"Invalid value: {render(value)}", detail))


def type_invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(TYPE_INVALID, path, _body(f"Invalid value: {render(value)}", detail))


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, path, f"Duplicate value: {render(value)}")


def not_found(path: str, value: Any) -> FieldError:
    return FieldError(NOT_FOUND, path, f"Not found: {render(value)}")


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(v) for v in supported) if supported else ""
    return FieldError(NOT_SUPPORTED, path, _body(f"Unsupported value: {render(value)}", detail))


def too_long(path: str, limit: int) -> FieldError:
    unit = "byte" if limit == 1 else "bytes"
    detail = f"may not be more than {limit} {unit}" if limit >= 0 else "value is too long"
    return FieldError(TOO_LONG, path, _body("Too long", detail))


def too_many(path: str, actual: int, limit: int) -> FieldError:
    unit = "item" if limit == 1 else "items"
    return FieldError(TOO_MANY, path, f"Too many: {actual}: must have at most {limit} {unit}")


def _body(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def render(value: Any) -> str:
    """A bad value as ``ErrorBody`` prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    return go_json(value)


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``."""
    out = ['"']
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def go_float(value: float) -> str:
    """A float64 as Go's ``%v`` prints it (shortest representation)."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text


def go_json(value: Any) -> str:
    """Go's ``json.Marshal`` output: compact, with ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def sorted_map(value: Any) -> Any:
    """A Go map: ``json.Marshal`` writes its keys sorted."""
    return dict(sorted(value.items())) if isinstance(value, dict) else value


def label_selector_value(selector: Any) -> Any:
    """A ``metav1.LabelSelector`` in Go field order, ready for :func:`render`."""
    if not isinstance(selector, dict):
        return selector
    ordered: dict[str, Any] = {}
    if selector.get("matchLabels"):
        ordered["matchLabels"] = sorted_map(selector["matchLabels"])
    if selector.get("matchExpressions"):
        ordered["matchExpressions"] = [
            _requirement_value(expr) for expr in selector["matchExpressions"]
        ]
    return ordered


def _requirement_value(expr: Any) -> Any:
    if not isinstance(expr, dict):
        return expr
    ordered = {"key": expr.get("key", ""), "operator": expr.get("operator", "")}
    if expr.get("values"):
        ordered["values"] = expr["values"]
    return ordered
