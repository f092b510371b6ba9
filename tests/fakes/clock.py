"""A controllable clock for tests: time stands still until a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: A Monday morning, so office-hours rules have something to match.
DEFAULT_START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class FakeClock:
    """``now()``/``time()`` read it, ``advance()``/``set()`` move it, ``sleep()`` advances it.

    Pass ``clock.sleep`` where production code takes a ``sleep`` callable: backoff then costs
    no wall time, and the test can see how long the code would have waited (``slept``).
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("a FakeClock never goes backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.astimezone(UTC) < self._now:
            raise ValueError("a FakeClock never goes backwards")
        self._now = moment.astimezone(UTC)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
