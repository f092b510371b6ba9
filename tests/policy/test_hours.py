"""The hours window helpers: wording, next opening, and edge cases that must not raise."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from jit.model import Hours
from jit.policy.hours import Verdict, days_text, describe, judge, zone

BERLIN = zone("Europe/Berlin")


def hours(days: str, start: int = 8, end: int = 18) -> Hours:
    return Hours(frozenset(days.split()), time(start), time(end), "Europe/Berlin")  # type: ignore[arg-type]


def test_days_are_listed_in_order_with_runs_compressed() -> None:
    assert days_text(frozenset({"sun", "mon", "tue", "wed", "fri"})) == "Mon-Wed, Fri, Sun"
    assert days_text(frozenset({"sat", "sun"})) == "Sat, Sun"
    assert days_text(frozenset()) == "no day"
    assert describe(hours("mon")) == "Mon 08:00-18:00 Europe/Berlin"


def test_the_window_includes_its_start_and_excludes_its_end() -> None:
    assert BERLIN is not None
    monday = datetime(2026, 11, 23, tzinfo=BERLIN)
    assert judge(hours("mon"), monday.replace(hour=8), BERLIN).inside
    assert not judge(hours("mon"), monday.replace(hour=18), BERLIN).inside
    assert not judge(hours("mon"), monday.replace(hour=7, minute=59), BERLIN).inside


def test_next_opening_is_later_today_or_the_next_allowed_day() -> None:
    assert BERLIN is not None
    monday = datetime(2026, 11, 23, tzinfo=BERLIN)
    early = judge(hours("mon wed"), monday.replace(hour=6), BERLIN)
    assert early.next_open == monday.replace(hour=8)
    late = judge(hours("mon wed"), monday.replace(hour=19), BERLIN)
    assert late.next_open == (monday + timedelta(days=2)).replace(hour=8)
    weekly = judge(hours("mon"), monday.replace(hour=19), BERLIN)
    assert weekly.next_open == (monday + timedelta(days=7)).replace(hour=8)


def test_local_time_follows_daylight_saving() -> None:
    assert BERLIN is not None
    every_day = hours("mon tue wed thu fri sat sun", start=9, end=10)
    # 07:30 UTC is 08:30 in Berlin in winter (CET) and 09:30 in summer (CEST).
    assert not judge(every_day, datetime(2026, 1, 5, 7, 30, tzinfo=UTC), BERLIN).inside
    assert judge(every_day, datetime(2026, 7, 5, 7, 30, tzinfo=UTC), BERLIN).inside


def test_calendar_edges_do_not_raise() -> None:
    assert BERLIN is not None
    end_of_time = datetime.max.replace(tzinfo=UTC)
    verdict = judge(hours("sun"), end_of_time, BERLIN)
    assert not verdict.inside
    assert verdict.local is None or verdict.next_open is None
    start_of_time = datetime.min.replace(tzinfo=UTC)
    assert not judge(hours("sun"), start_of_time, BERLIN).inside


def test_unknown_zones_resolve_to_none() -> None:
    assert zone("Nowhere/Special") is None
    assert zone("../../etc/passwd") is None
    assert zone("") is None


def test_a_window_that_never_opens_has_no_next_opening() -> None:
    assert BERLIN is not None
    monday = datetime(2026, 11, 23, 9, tzinfo=BERLIN)
    empty = Hours(frozenset({"mon"}), time(18), time(8), "Europe/Berlin")
    assert judge(empty, monday, BERLIN) == Verdict(inside=False, local=monday, next_open=None)


def test_a_next_opening_beyond_the_calendar_is_none() -> None:
    utc = zone("UTC")
    assert utc is not None
    last_friday = datetime(9999, 12, 31, 12, tzinfo=UTC)  # 31 Dec 9999 is a Friday
    verdict = judge(hours("mon"), last_friday, utc)
    assert verdict.local is not None and verdict.next_open is None
