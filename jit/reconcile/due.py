"""Does a scheduled sweep have anything to do? Decided from the checkout alone. Pure.

The sweep asks this before it installs jit's dependencies or mints a token, so this module and
everything it imports use the standard library only (a test imports it under ``python -S``).
The decision is :func:`jit.reconcile.diff.make_plan`'s, over the same inputs a full run gives
it, with two differences that can only make a sweep due when a full run would find nothing:

- request files are not parsed (that needs PyYAML), so a request waiting for its
  ``not_before`` counts as due; the full run then waits for it as usual;
- ``reminder_minutes`` is read from ``policies/settings.yaml`` by :func:`reminder_minutes`
  without a YAML parser; when it cannot be read that way, every sweep is due.

A record that does not read is due too: the full run reports it on every sweep until restored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from jit.reconcile.diff import Desired, make_plan
from jit.reconcile.state import GrantRecord, format_time, grant_id

_REMINDER = re.compile(r"^reminder_minutes[ \t]*:[ \t]*([0-9]+)[ \t]*(?:#.*)?$", re.MULTILINE)
_MENTION = re.compile(r"reminder_minutes")


@dataclass(frozen=True)
class Due:
    due: bool
    reasons: tuple[str, ...]  # why, as counts ("2 to revoke"); empty when nothing is due
    active: int = 0  # grants recorded with nothing to do
    next_end: datetime | None = None  # the earliest end of those, for the log

    def summary(self) -> str:
        if self.due:
            return "due: " + ", ".join(self.reasons) + "; running the full reconcile"
        end = f"; the next grant ends at {format_time(self.next_end)}" if self.next_end else ""
        return f"nothing due ({self.active} active grants{end}); the sweep stops here"


def reminder_minutes(settings: str | None) -> int | None:
    """``reminder_minutes`` of ``policies/settings.yaml``'s text: 0 when the file or the key is
    absent (the schema's default), None when the key is there in a form only YAML can read."""
    if settings is None or not _MENTION.search(settings):
        return 0
    found = _REMINDER.findall(settings)
    if len(found) != 1 or len(_MENTION.findall(settings)) != 1:
        return None
    return int(found[0])


def sweep_due(
    request_commits: Mapping[str, str],
    records: Mapping[str, GrantRecord],
    unreadable: int,
    now: datetime,
    reminder: int | None,
) -> Due:
    """Whether a full run would have anything to do.

    ``request_commits``: every request file in the checkout (``requests/**.yaml``) -> the commit
    that added it on main (the same as the full run's ``git.added_commits``); ``records``: the
    readable grant records; ``unreadable``: how many records did not read.
    """
    desired = [
        Desired(path.removesuffix(".yaml"), path, grant_id(path.removesuffix(".yaml"), c), c)
        for path, c in sorted(request_commits.items())
    ]
    plan = make_plan(desired, records, now, reminder if reminder is not None else 0)
    counts = [
        (len(plan.grant), "to grant or waiting for not_before"),
        (len(plan.resume), "intents to finish"),
        (len(plan.abandon), "intents to abandon"),
        (len(plan.revoke), "to revoke"),
        (len(plan.remind), "reminders"),
        (unreadable, "grant records that do not read"),
        (int(reminder is None), "settings.yaml whose reminder_minutes needs a YAML parser"),
    ]
    reasons = tuple(f"{n} {what}" for n, what in counts if n)
    ends = [r.expires_at for r in plan.active]
    return Due(bool(reasons), reasons, len(plan.active), min(ends) if ends else None)
