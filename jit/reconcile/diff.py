"""Desired state versus recorded state -> what this run must do. Pure: no I/O, no clock.

- **desired**: the request files on main, each with the grant id its adding commit gives it;
- **recorded**: the grant records in ``state/grants/`` (issuing, active, revoke-pending).

Requests are matched to records by grant id, not by path, so a file deleted and added again is
a withdrawal of the old grant plus a new request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from jit.reconcile.state import GrantRecord, RevokeReason

#: How long an ``issuing`` intent belongs to the run that wrote it. Longer than the workflow's
#: ``timeout-minutes`` (20), so a run never resumes an intent another live run is acting on;
#: a run that died is caught up after this long. A run that finishes releases the intents it
#: could not complete (``run_id`` empty), so the next run retries them at once.
ISSUING_LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class Desired:
    """A request file on main."""

    request_id: str
    path: str
    grant_id: str
    added_commit: str
    not_before: datetime | None = None  # None also when the file does not parse (verify denies)


@dataclass(frozen=True)
class Revocation:
    record: GrantRecord
    reason: RevokeReason


@dataclass(frozen=True)
class Plan:
    grant: tuple[Desired, ...] = ()  # verify, write the intent, issue
    waiting: tuple[Desired, ...] = ()  # not_before is in the future
    resume: tuple[GrantRecord, ...] = ()  # an intent left by a run that died: find, then finish
    in_flight: tuple[GrantRecord, ...] = ()  # an intent another run may still be acting on
    abandon: tuple[Revocation, ...] = ()  # an intent whose request was withdrawn or expired
    revoke: tuple[Revocation, ...] = ()
    remind: tuple[GrantRecord, ...] = ()
    active: tuple[GrantRecord, ...] = ()  # nothing to do

    @property
    def empty(self) -> bool:
        return not (self.grant or self.resume or self.abandon or self.revoke or self.remind)


def make_plan(
    desired: Iterable[Desired],
    records: Mapping[str, GrantRecord],
    now: datetime,
    reminder_minutes: int = 0,
    lease: timedelta = ISSUING_LEASE,
) -> Plan:
    """Decide, for every request and record, what this run does. Deterministic order."""
    wanted = {d.grant_id: d for d in desired}
    grant, waiting = [], []
    for gid in sorted(wanted):
        if gid in records:
            continue
        item = wanted[gid]
        if item.not_before is not None and item.not_before > now:
            waiting.append(item)
        else:
            grant.append(item)

    resume, in_flight, abandon, revoke, remind, active = [], [], [], [], [], []
    for gid in sorted(records):
        record = records[gid]
        reason = _revoke_reason(record, gid in wanted, now)
        if record.status == "issuing":
            if record.run_id and record.intent_at + lease > now:
                in_flight.append(record)
            elif reason is not None:
                abandon.append(Revocation(record, reason))
            else:
                resume.append(record)
        elif reason is not None:
            revoke.append(Revocation(record, reason))
        elif _reminder_due(record, now, reminder_minutes):
            remind.append(record)
        else:
            active.append(record)
    return Plan(
        grant=tuple(grant),
        waiting=tuple(waiting),
        resume=tuple(resume),
        in_flight=tuple(in_flight),
        abandon=tuple(abandon),
        revoke=tuple(revoke),
        remind=tuple(remind),
        active=tuple(active),
    )


def _revoke_reason(record: GrantRecord, still_wanted: bool, now: datetime) -> RevokeReason | None:
    if record.status == "revoke-pending" and record.revoke_reason is not None:
        return record.revoke_reason
    if now >= record.expires_at:
        return "expired"
    if not still_wanted:
        return "withdrawn"
    return None


def _reminder_due(record: GrantRecord, now: datetime, minutes: int) -> bool:
    if minutes <= 0 or record.reminded_at is not None or record.status != "active":
        return False
    return record.expires_at - timedelta(minutes=minutes) <= now < record.expires_at


def lag_seconds(expires_at: datetime, revoked_at: datetime) -> int:
    """How long after its end a grant was revoked; never negative (early is not late)."""
    return max(0, int((revoked_at - expires_at).total_seconds()))
