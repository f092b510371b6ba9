"""Durations such as ``15m``, ``2h``, ``1h30m``, ``1d``: parse to seconds and format back."""

from __future__ import annotations

import re

_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_RE = re.compile(r"^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$")

#: Nothing jit grants may last longer than this, whatever a policy says.
ABSOLUTE_MAX_SECONDS = 90 * 86400


class DurationError(ValueError):
    """The text is not a duration jit understands."""


def parse_duration(text: str) -> int:
    """Return the number of seconds in ``text``; raise DurationError with a fix-it message."""
    if not isinstance(text, str) or not text or text != text.strip():
        raise DurationError(f"{text!r} is not a duration; write it like 15m, 2h, 1h30m or 1d")
    match = _DURATION_RE.match(text)
    if match is None or not any(match.groups()):
        raise DurationError(f"{text!r} is not a duration; write it like 15m, 2h, 1h30m or 1d")
    total = 0
    for value, unit in zip(match.groups(), "dhms", strict=True):
        if value is not None:
            total += int(value) * _UNIT_SECONDS[unit]
    if total <= 0:
        raise DurationError(f"{text!r} is zero; ask for a positive duration such as 30m")
    return total


def format_duration(seconds: int) -> str:
    """Format seconds the way a person writes them: 5400 -> ``1h30m``."""
    if seconds <= 0:
        return "0s"
    parts = []
    for unit in "dhms":
        size = _UNIT_SECONDS[unit]
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
