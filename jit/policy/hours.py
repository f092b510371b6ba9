"""The hours window: may access start at a given moment, and if not, when next?

A window is ``days``, ``start`` <= local time < ``end`` in an IANA ``timezone``; it bounds
when access may *start*, not how long it lasts. Local time is wall-clock time in the zone,
so a window keeps its meaning across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from jit.model import WEEKDAYS, Hours
from jit.policy.wording import aware


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo | None:
    """The time zone called ``name``, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


@dataclass(frozen=True)
class Verdict:
    inside: bool
    local: datetime | None  # the start in the window's zone; None if it cannot be shown
    next_open: datetime | None  # the next opening (in the zone) when outside; None: never


def describe(hours: Hours) -> str:
    """``Mon-Fri 08:00-18:00 Europe/Berlin``."""
    return f"{days_text(hours.days)} {hours.start:%H:%M}-{hours.end:%H:%M} {hours.timezone}"


def days_text(days: frozenset[str]) -> str:
    """Weekdays in order, with runs of three or more compressed: ``Mon-Fri, Sun``."""
    indexes = [i for i, day in enumerate(WEEKDAYS) if day in days]
    if not indexes:
        return "no day"
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts: list[str] = []
    for run in runs:
        labels = [WEEKDAYS[i].capitalize() for i in run]
        parts.append(f"{labels[0]}-{labels[-1]}" if len(run) >= 3 else ", ".join(labels))
    return ", ".join(parts)


def local_text(moment: datetime) -> str:
    """``Sun 2026-11-22 10:00``."""
    return f"{WEEKDAYS[moment.weekday()].capitalize()} {moment:%Y-%m-%d %H:%M}"


def never_opens(hours: Hours) -> bool:
    return not hours.days & set(WEEKDAYS) or _naive(hours.start) >= _naive(hours.end)


def _naive(moment: time) -> time:
    return moment.replace(tzinfo=None)


def judge(hours: Hours, start: datetime, where: tzinfo) -> Verdict:
    """Whether access starting at ``start`` falls inside ``hours`` (a zone already resolved)."""
    try:
        local = aware(start).astimezone(where)
    except (OverflowError, ValueError):
        return Verdict(inside=False, local=None, next_open=None)
    wall = local.time()  # naive wall-clock time in the zone
    if WEEKDAYS[local.weekday()] in hours.days and _naive(hours.start) <= wall < _naive(hours.end):
        return Verdict(inside=True, local=local, next_open=None)
    return Verdict(inside=False, local=local, next_open=_next_open(hours, local, where))


def _next_open(hours: Hours, local: datetime, where: tzinfo) -> datetime | None:
    if never_opens(hours):
        return None
    opening = _naive(hours.start)
    offsets = [
        offset
        for offset in range(8)
        if WEEKDAYS[(local.weekday() + offset) % 7] in hours.days
        and not (offset == 0 and local.time() >= opening)
    ]
    try:
        day = local.date() + timedelta(days=offsets[0])
    except OverflowError:
        return None
    return datetime.combine(day, opening, tzinfo=where)
