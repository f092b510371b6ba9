"""``jit audit report``: who had access to what, from when until when, approved by whom, on
which PR, revoked how; and which requests were refused. Pure.

Rows come from entry kinds: a ``granted`` entry, completed by its first ``revoked`` entry, is
one grant row; a ``denied`` entry is one denial row (``STANDALONE`` maps each such entry type
to its row builder, so a new kind of event, such as break-glass, adds one function).

A grant's access window runs from ``granted_at`` to ``revoked_at``; while it is not revoked,
to ``expires_at`` (still active) or to *now* (overdue: past expiry with no ``revoked`` entry,
so it may still be live). A denial is an instant. ``--since``/``--until`` select the rows
whose window overlaps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from jit.audit.canon import parse_ts
from jit.audit.entries import BY_ROLES

#: The entry types a report reads (the rest are skipped before parsing).
TYPES = frozenset({"granted", "revoked", "denied"})
STATUSES = ("active", "revoked", "overdue", "denied")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Row:
    event: str  # "grant" or "denial"
    grant_id: str  # "" for a denial (nothing was issued)
    request_id: str
    requester: str
    resource: str
    kind: str  # the grant kind ("" for a denial: the log does not record it)
    at: datetime  # granted_at for a grant; when it was denied for a denial
    expires_at: datetime | None  # None for a denial
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
    status: str = "active"  # active, revoked, overdue, denied
    reason: str | None = None  # the requester's justification (entries from format v2)
    ticket: str | None = None
    not_before: datetime | None = None
    denial_reasons: tuple[str, ...] = ()

    def window_end(self, now: datetime) -> datetime:
        if self.revoked_at is not None:
            return self.revoked_at
        if self.expires_at is None:
            return self.at
        return self.expires_at if self.expires_at > now else now


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    resource: str | None = None
    user: str | None = None
    approver: str | None = None
    kind: str | None = None
    status: str | None = None

    def keep(self, row: Row, now: datetime) -> bool:
        """The whole filter, on a built row."""
        if not self._what(row.resource, row.requester, row.kind, row.approvers):
            return False
        if self.status is not None and row.status != self.status:
            return False
        if self.until is not None and row.at > self.until:
            return False
        return self.since is None or row.window_end(now) >= self.since

    def wanted(self, entry: Mapping[str, object]) -> bool:
        """A cheap first cut on a ``granted`` or ``denied`` entry, before its row is built."""
        approvers = entry.get("approvers")
        return self._what(
            entry.get("resource"),
            str(entry.get("requester", "")),
            str(entry.get("kind", "")),
            tuple(map(str, approvers)) if isinstance(approvers, list) else (),
        )

    def _what(
        self, resource: object, requester: str, kind: str, approvers: tuple[str, ...]
    ) -> bool:
        if self.resource is not None and resource != self.resource:
            return False
        if self.kind is not None and kind != self.kind:
            return False
        if self.approver is not None:
            wanted = self.approver.casefold()
            if not any(a.casefold() == wanted for a in approvers):
                return False
        return self.user is None or requester.casefold() == self.user.casefold()


def parse_bound(text: str, *, end: bool) -> datetime:
    """A whole UTC period (``2026-11-30``, ``2026-11``, ``2026-Q4``, ``2026``: its first
    instant, or with ``end`` its last) or an RFC 3339 time such as ``2026-11-30T18:00:00Z``."""
    period = parse_period(text)
    if period is None:
        return parse_ts(text)
    return period[1] if end else period[0]


def parse_period(text: str) -> tuple[datetime, datetime] | None:
    """``(first instant, last instant)`` of a day, month, quarter or year written as
    ``2026-11-30``, ``2026-11``, ``2026-Q4`` or ``2026``; None for anything else."""
    if _DATE.fullmatch(text):
        start = datetime.combine(datetime.fromisoformat(text).date(), time(), UTC)
        return start, start + timedelta(days=1, microseconds=-1)
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        return _span(year, month, 1)
    if match := _QUARTER.fullmatch(text):
        return _span(int(match[1]), 3 * int(match[2]) - 2, 3)
    if _YEAR.fullmatch(text):
        return _span(int(text), 1, 12)
    return None


def _span(year: int, month: int, months: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=UTC)
    after = month - 1 + months
    end = datetime(year + after // 12, after % 12 + 1, 1, tzinfo=UTC)
    return start, end - timedelta(microseconds=1)


def build_rows(
    entries: Iterable[Mapping[str, object]],
    now: datetime,
    wanted: Callable[[Mapping[str, object]], bool] | None = None,
) -> list[Row]:
    """One row per ``granted`` entry (those ``wanted`` accepts), completed by its first
    ``revoked`` entry, and one per entry of a ``STANDALONE`` type; oldest first."""
    granted: dict[str, Mapping[str, object]] = {}
    revoked: dict[str, Mapping[str, object]] = {}
    rows: list[Row] = []
    for entry in entries:
        kind = entry.get("type")
        grant_id = str(entry.get("grant_id"))
        if kind == "granted":
            if grant_id not in granted and (wanted is None or wanted(entry)):
                granted[grant_id] = entry
        elif kind == "revoked" and grant_id in granted:
            revoked.setdefault(grant_id, entry)
        elif isinstance(kind, str) and kind in STANDALONE and (wanted is None or wanted(entry)):
            rows.append(STANDALONE[kind](entry))
    rows.extend(_grant_row(entry, revoked.get(gid), now) for gid, entry in granted.items())
    return sorted(rows, key=lambda r: (r.at, r.grant_id, r.request_id))


def select(rows: Iterable[Row], filters: Filters, now: datetime) -> list[Row]:
    return [row for row in rows if filters.keep(row, now)]


def _grant_row(
    entry: Mapping[str, object], revoke: Mapping[str, object] | None, now: datetime
) -> Row:
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
    not_before = entry.get("not_before")
    return Row(
        event="grant",
        grant_id=str(entry.get("grant_id")),
        request_id=str(entry.get("request_id", "")),
        requester=str(entry.get("requester", "")),
        resource=str(entry.get("resource", "")),
        kind=str(entry.get("kind", "")),
        at=parse_ts(str(entry.get("granted_at") or entry.get("ts"))),
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
        reason=_text(entry.get("reason")),
        ticket=_text(entry.get("ticket")),
        not_before=parse_ts(not_before) if isinstance(not_before, str) else None,
    )


def _denial_row(entry: Mapping[str, object]) -> Row:
    pr, reasons = entry.get("pr"), entry.get("reasons")
    return Row(
        event="denial",
        grant_id="",
        request_id=str(entry.get("request_id", "")),
        requester=str(entry.get("requester", "")),
        resource=str(entry.get("resource", "")),
        kind="",
        at=parse_ts(str(entry.get("ts"))),
        expires_at=None,
        approvers=(),
        auto_approved=False,
        pr=pr if type(pr) is int else None,
        merge_commit=None,
        handle_type="",
        status="denied",
        denial_reasons=tuple(map(str, reasons)) if isinstance(reasons, list) else (),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


#: Entry types that make a row on their own (no pairing), and how.
STANDALONE: dict[str, Callable[[Mapping[str, object]], Row]] = {"denied": _denial_row}
