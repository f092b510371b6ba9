"""``jit audit report``: who had access to what, from when until when, approved by whom, on
which PR, revoked how. One row per grant, built from the log's entries. Pure.

A grant's access window runs from ``granted_at`` to ``revoked_at``; while it is not revoked,
to ``expires_at`` (still active) or to *now* (overdue: past expiry with no ``revoked`` entry,
so it may still be live). ``--since``/``--until`` select the grants whose window overlaps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from jit.audit.canon import parse_ts
from jit.audit.entries import BY_ROLES

#: The entry types a report reads (the rest are skipped before parsing).
TYPES = frozenset({"granted", "revoked"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Row:
    grant_id: str
    request_id: str
    requester: str
    resource: str
    kind: str
    granted_at: datetime
    expires_at: datetime
    approvers: tuple[str, ...]
    auto_approved: bool
    pr: int | None
    merge_commit: str | None
    handle_type: str  # "accessor", "lease_id", "group", "binding", ...
    revoked_at: datetime | None = None
    revoke_reason: str | None = None  # expired, withdrawn, out-of-band
    revoked_by: str | None = None
    revoked_by_role: str | None = None  # requester, revoker, neither; None: unknown or older log
    lag_seconds: int | None = None
    status: str = "active"  # active, revoked, overdue

    def window_end(self, now: datetime) -> datetime:
        if self.revoked_at is not None:
            return self.revoked_at
        return self.expires_at if self.expires_at > now else now


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    resource: str | None = None
    user: str | None = None

    def keep(self, row: Row, now: datetime) -> bool:
        """The whole filter, on a built row."""
        if not self._who(row.resource, row.requester):
            return False
        if self.until is not None and row.granted_at > self.until:
            return False
        return self.since is None or row.window_end(now) >= self.since

    def wanted(self, entry: Mapping[str, object]) -> bool:
        """A cheap first cut on a ``granted`` entry, before its row is built."""
        return self._who(entry.get("resource"), str(entry.get("requester", "")))

    def _who(self, resource: object, requester: str) -> bool:
        if self.resource is not None and resource != self.resource:
            return False
        return self.user is None or requester.casefold() == self.user.casefold()


def parse_bound(text: str, *, end: bool) -> datetime:
    """``2026-11-30`` (a whole UTC day: its first second, or with ``end`` its last) or an RFC
    3339 time such as ``2026-11-30T18:00:00Z``."""
    if _DATE.fullmatch(text):
        day = datetime.fromisoformat(text).date()
        if end:
            return datetime.combine(day, time(), UTC) + timedelta(days=1, microseconds=-1)
        return datetime.combine(day, time(), UTC)
    return parse_ts(text)


def build_rows(
    entries: Iterable[Mapping[str, object]],
    now: datetime,
    wanted: Callable[[Mapping[str, object]], bool] | None = None,
) -> list[Row]:
    """One row per ``granted`` entry (those ``wanted`` accepts), completed by its first
    ``revoked`` entry; oldest first."""
    granted: dict[str, Mapping[str, object]] = {}
    revoked: dict[str, Mapping[str, object]] = {}
    for entry in entries:
        grant_id = str(entry.get("grant_id"))
        if entry.get("type") == "granted":
            if grant_id not in granted and (wanted is None or wanted(entry)):
                granted[grant_id] = entry
        elif entry.get("type") == "revoked" and grant_id in granted:
            revoked.setdefault(grant_id, entry)
    rows = [_row(entry, revoked.get(grant_id), now) for grant_id, entry in granted.items()]
    return sorted(rows, key=lambda r: (r.granted_at, r.grant_id))


def select(rows: Iterable[Row], filters: Filters, now: datetime) -> list[Row]:
    return [row for row in rows if filters.keep(row, now)]


def _row(entry: Mapping[str, object], revoke: Mapping[str, object] | None, now: datetime) -> Row:
    handle, approvers = entry.get("handle"), entry.get("approvers")
    pr, commit = entry.get("pr"), entry.get("merge_commit")
    expires_at = parse_ts(str(entry.get("expires_at")))
    revoked_at, reason, by, role, lag = None, None, None, None, None
    status = "active" if expires_at > now else "overdue"
    if revoke is not None:
        revoked_at = parse_ts(str(revoke.get("revoked_at") or revoke.get("ts")))
        reason, by, lag = str(revoke.get("reason", "")), revoke.get("by"), revoke.get("lag_seconds")
        role = revoke.get("by_role")
        status = "revoked"
    return Row(
        grant_id=str(entry.get("grant_id")),
        request_id=str(entry.get("request_id", "")),
        requester=str(entry.get("requester", "")),
        resource=str(entry.get("resource", "")),
        kind=str(entry.get("kind", "")),
        granted_at=parse_ts(str(entry.get("granted_at") or entry.get("ts"))),
        expires_at=expires_at,
        approvers=tuple(str(a) for a in approvers) if isinstance(approvers, list) else (),
        auto_approved=entry.get("auto_approved") is True,
        pr=pr if type(pr) is int else None,
        merge_commit=commit if isinstance(commit, str) else None,
        handle_type="+".join(sorted(handle)) if isinstance(handle, dict) else "",
        revoked_at=revoked_at,
        revoke_reason=reason,
        revoked_by=by if isinstance(by, str) else None,
        revoked_by_role=role if isinstance(by, str) and role in BY_ROLES else None,
        lag_seconds=lag if type(lag) is int else None,
        status=status,
    )
