"""YAML 1.1 implicit typing of plain (unquoted) scalars, without timestamps.

``7200`` is an int, ``0x1f`` and ``1:30:00`` (sexagesimal, 5400) too, ``1.5``, ``1e9`` and
``.inf`` are floats, ``yes``/``no``/``on``/``off``/``true``/``false`` are bools, ``~``,
``null`` and the empty value are None; everything else, timestamps included, stays text.
This matches what people expect from YAML (and what PyYAML does, plus ``1e9``) so that a
value of the wrong type is reported instead of silently coerced.
"""

from __future__ import annotations

import math
import re

_BOOLS = {
    "yes": True, "Yes": True, "YES": True, "true": True, "True": True, "TRUE": True,
    "on": True, "On": True, "ON": True,
    "no": False, "No": False, "NO": False, "false": False, "False": False, "FALSE": False,
    "off": False, "Off": False, "OFF": False,
}  # fmt: skip
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})

_INT = re.compile(
    r"""[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+""",
    re.X,
)
_FLOAT = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)[eE][-+]?[0-9]+
    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)""",
    re.X,
)
#: Only text starting with one of these can be a number.
_NUMERIC_START = frozenset("-+.0123456789")
#: Python refuses to convert longer digit strings to int (CVE-2020-10735).
_MAX_DIGITS = 4000


class ScalarError(ValueError):
    """A plain scalar that looks like a number but cannot be one (e.g. 5,000 digits)."""


def resolve_plain(text: str) -> object:
    """The value of a plain scalar under YAML 1.1's implicit rules (timestamps stay text)."""
    if not text or text[0] not in _NUMERIC_START:
        if text in _NULLS:
            return None
        return _BOOLS.get(text, text)
    if _INT.fullmatch(text):
        return _to_int(text)
    if _FLOAT.fullmatch(text):
        return _to_float(text)
    return text


def _to_int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    if digits[0] in "+-":
        digits = digits[1:]
    if len(digits) > _MAX_DIGITS:
        raise ScalarError(
            f"the number starting {text[:20]!r} has {len(digits):,} digits, more than any jit "
            "value needs"
        )
    if digits.startswith("0b"):
        return sign * int(digits[2:] or "0", 2)
    if digits.startswith("0x"):
        return sign * int(digits[2:] or "0", 16)
    if ":" in digits:
        value = 0
        for part in digits.split(":"):
            value = value * 60 + int(part)
        return sign * value
    if len(digits) > 1 and digits[0] == "0":
        return sign * int(digits, 8)
    return sign * int(digits)


def _to_float(text: str) -> float:
    digits = text.replace("_", "").lower()
    sign = -1.0 if digits[0] == "-" else 1.0
    if digits[0] in "+-":
        digits = digits[1:]
    if digits == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    if ":" in digits:
        value = 0.0
        for part in digits.split(":"):
            value = value * 60 + float(part or "0")
        return sign * value
    return sign * float(digits)
