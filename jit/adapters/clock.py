"""The real clock. The core never reads it: runners take ``now`` from here and pass it on
(``Context.now``), and tests pass a fixed time instead."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
