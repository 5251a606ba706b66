"""Kubernetes resource quantities (``500m``, ``1Gi``, ``2e3``) parsed and printed like apimachinery.

kube-apiserver never stores a quantity as it was written: it decodes every
``resource.Quantity`` and encodes it again, so ``0.5`` comes back as ``500m`` and ``1024Mi``
as ``1Gi``, and values in resource lists are rounded up to milli-units. Clients diff what
they sent against what they read back (kubectl apply, Argo CD, Flux), so the embedded
server has to reproduce ``resource.ParseQuantity`` and ``Quantity.String()`` digit for digit,
including their quirks (a string already in a canonical-looking form is kept as written).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_UP, Context, Decimal, localcontext

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT = f"quantities must match the regular expression '{SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_BY_EXPONENT = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {exp: suffix for suffix, exp in _BINARY_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_MAX_INT64 = 2**63 - 1
_NANO = Decimal("1e-9")
_WIDE = Context(prec=4000, Emax=10**12, Emin=-(10**12))


@dataclass(frozen=True)
class _Scanned:
    positive: bool
    value: str
    num: str
    denom: str
    suffix: str


@dataclass(frozen=True)
class _Parsed:
    amount: Decimal
    format: str
    cached: str | None  # the input string, when apimachinery keeps it verbatim
    scale: int | None  # scale of the int64 fast path (None for arbitrary precision)


def parse(value: str | int | float) -> tuple[Decimal, str]:
    """The exact value and format (DecimalSI, BinarySI, DecimalExponent) of a quantity."""
    parsed = _parse(_text(value))
    return parsed.amount, parsed.format


def canonical(value: str | int | float) -> str:
    """``Quantity.String()`` of the parsed value: what kube-apiserver writes back."""
    parsed = _parse(_text(value))
    if parsed.cached is not None:
        return parsed.cached
    return _format(parsed.amount, parsed.format)


def canonical_resource(value: str | int | float) -> str:
    """A value of a ``ResourceList`` (requests, limits): rounded up to milli-units first."""
    parsed = _parse(_text(value))
    if parsed.scale is not None and parsed.scale >= -3 and parsed.cached is not None:
        return parsed.cached
    amount = parsed.amount
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        with localcontext(_WIDE):
            amount = amount.quantize(Decimal("0.001"), rounding=ROUND_UP)
    return _format(amount, parsed.format)


def _text(value: str | int | float) -> str:
    if isinstance(value, bool):
        raise ValueError(ERR_FORMAT)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return value.strip()


def _scan(text: str) -> _Scanned:
    """apimachinery's parseQuantityString: split sign, digits, fraction and suffix."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return _Scanned(positive, "0", "0", "", "")
    start = pos
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos].isdigit() and text[pos].isascii():
            pos += 1
        denom = text[start:pos]
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos < end:
        raise ValueError(ERR_FORMAT)
    return _Scanned(positive, value, num, denom, text[suffix_start:])


def _interpret(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) of a suffix."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if not body.isdigit() or not body.isascii():
            raise ValueError(ERR_SUFFIX)
        parsed = int(digits)
        if not -(2**63) <= parsed < 2**63:
            raise ValueError(ERR_SUFFIX)
        wrapped = (parsed + 2**31) % 2**32 - 2**31  # Go's int32() conversion
        return 10, wrapped, DECIMAL_EXPONENT
    raise ValueError(ERR_SUFFIX)


@functools.lru_cache(maxsize=4096)  # the same few quantities ("100m", "64Mi") recur on every write
def _parse(text: str) -> _Parsed:
    if not text:
        raise ValueError(ERR_FORMAT)
    if text == "0":
        return _Parsed(Decimal(0), DECIMAL_SI, "0", 0)
    scanned = _scan(text)
    base, exponent, fmt = _interpret(scanned.suffix)
    fast = _fast_path(text, scanned, base, exponent, fmt)
    if fast is not None:
        return fast
    return _slow_path(scanned, base, exponent, fmt)


def _fast_path(text: str, s: _Scanned, base: int, exponent: int, fmt: str) -> _Parsed | None:
    """The int64 path of ParseQuantity, which may keep the input string as the printed form."""
    if fmt == BINARY_SI:
        if exponent < 0 or s.denom:
            return None
        precision = 15 - len(s.num) - int(exponent * 3 / 10) - 1
        scale, mantissa = 0, 1 << exponent
    else:
        precision = 18 - (len(s.num) + len(s.denom))
        scale, mantissa = exponent, 1
    if precision < 0:
        return None
    scale -= len(s.denom)
    if scale < -9:
        return None
    shifted = s.num + s.denom
    digits = int(shifted)
    if digits >= 2**63 or digits * mantissa >= 2**63:
        return None
    result = digits * mantissa if s.positive else -digits * mantissa
    with localcontext(_WIDE):
        amount = Decimal(result).scaleb(scale) if base == 10 else Decimal(result)
    if fmt == BINARY_SI:
        keep = exponent % 10 == 0 and digits & 0x07 != 0
    else:
        keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
    return _Parsed(amount, fmt, text if keep else None, scale)


def _slow_path(s: _Scanned, base: int, exponent: int, fmt: str) -> _Parsed:
    try:
        amount = Decimal(s.value)
    except ArithmeticError as exc:
        raise ValueError(ERR_NUMERIC) from exc
    with localcontext(_WIDE):
        amount = amount.scaleb(exponent) if base == 10 else amount * (Decimal(2) ** exponent)
        negative = amount < 0
        amount = abs(amount)
        exp = amount.as_tuple().exponent
        if amount != 0 and isinstance(exp, int) and exp < -9:
            amount = amount.quantize(_NANO, rounding=ROUND_UP)
        if fmt == BINARY_SI and amount > _MAX_INT64:
            amount = Decimal(_MAX_INT64)
        if fmt == BINARY_SI and 0 < amount < 1:
            fmt = DECIMAL_SI
        if negative:
            amount = -amount
    return _Parsed(amount, fmt, None, None)


def _format(amount: Decimal, fmt: str) -> str:
    """Quantity.CanonicalizeBytes."""
    if amount == 0:
        return "0"
    if fmt == BINARY_SI:
        if -1024 < amount < 1024 or amount != amount.to_integral_value():
            fmt = DECIMAL_SI
        else:
            return _format_binary(int(amount))
    mantissa, exp = _mantissa_exponent(amount)
    if fmt == DECIMAL_EXPONENT:
        return str(mantissa) if exp == 0 else f"{mantissa}e{exp}"
    return f"{mantissa}{_SUFFIX_BY_EXPONENT.get(exp, '')}"


def _format_binary(value: int) -> str:
    magnitude, times = abs(value), 0
    while magnitude >= 1024 and magnitude % 1024 == 0:
        magnitude //= 1024
        times += 1
    sign = "-" if value < 0 else ""
    return f"{sign}{magnitude}{_BINARY_BY_EXPONENT.get(times * 10, '')}"


def _mantissa_exponent(amount: Decimal) -> tuple[int, int]:
    """Integer mantissa and an exponent that is a multiple of three, as large as possible."""
    sign, digits, exp = amount.as_tuple()
    assert isinstance(exp, int)
    text = "".join(map(str, digits)).lstrip("0") or "0"
    stripped = text.rstrip("0")
    exp += len(text) - len(stripped)
    text = stripped or "0"
    while exp % 3 != 0:
        text += "0"
        exp -= 1
    return (-int(text) if sign else int(text)), exp
