"""``jit status``: where one person's access stands. Pure: grant records, audit entries and
pull requests in; plain views and their text or JSON out.

- active grants (``state/grants/``), with the time left and how each ends;
- pending requests (open PRs by the person that add request files), with ``jit/approval``;
- recent revocations (``revoked`` entries of the audit log, matched to their grants).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from jit.audit.canon import format_ts
from jit.durations import format_duration
from jit.policy.members import same_login
from jit.reconcile.state import GrantRecord, format_time

#: How far back ``jit status`` looks for revocations.
RECENT = timedelta(days=30)
_SELF_ENDING = frozenset({"vault-token", "vault-credentials"})


@dataclass(frozen=True)
class GrantView:
    request_id: str
    resource: str
    kind: str
    status: str
    expires_at: str
    time_left: str
    ends: str  # a sentence
    pr_url: str


@dataclass(frozen=True)
class PendingView:
    number: int
    url: str
    requests: tuple[str, ...]
    approval: str  # success, pending, failure, error, or "not checked yet"
    description: str


@dataclass(frozen=True)
class RevocationView:
    request_id: str
    resource: str
    reason: str
    by: str | None
    revoked_at: str


@dataclass(frozen=True)
class Standing:
    user: str
    grants: tuple[GrantView, ...]
    revocations: tuple[RevocationView, ...]
    pending: tuple[PendingView, ...] = ()
    #: Why the pending requests were not read (no token, GitHub failed); None: they were.
    pending_skipped: str | None = None
    problems: tuple[str, ...] = field(default=())


def grants(records: Iterable[GrantRecord], user: str, now: datetime) -> list[GrantView]:
    """``user``'s recorded grants (issuing, active or being revoked), soonest end first."""
    views = []
    for record in sorted(records, key=lambda r: (r.expires_at, r.grant_id)):
        if not same_login(record.requester, user):
            continue
        left = int((record.expires_at - now).total_seconds()) // 60 * 60
        views.append(
            GrantView(
                request_id=record.request_id,
                resource=record.resource,
                kind=record.kind,
                status=record.status,
                expires_at=format_time(record.expires_at),
                time_left=format_duration(left) if left > 0 else "none",
                ends=_ends(record, left),
                pr_url=record.pr_url,
            )
        )
    return views


def _ends(record: GrantRecord, left: int) -> str:
    if record.status == "revoke-pending":
        why = "withdrawn" if record.revoke_reason == "withdrawn" else "expired"
        return f"being revoked ({why}); the next reconcile run finishes it"
    if record.status == "issuing":
        return "being issued by the reconcile run"
    if left <= 0:
        return "expired; the next reconcile run (every 5 minutes) revokes it"
    how = (
        "Vault ends it by itself then, and jit's sweep revokes it"
        if record.kind in _SELF_ENDING
        else "jit's sweep (every 5 minutes) revokes it"
    )
    return (
        f"at {format_time(record.expires_at)}: {how}; jit release {record.request_id} ends it now"
    )


def revocations(
    entries: Iterable[Mapping[str, object]], user: str, now: datetime
) -> list[RevocationView]:
    """``user``'s grants revoked within ``RECENT``, newest first."""
    owners: dict[str, tuple[str, str]] = {}
    found: list[RevocationView] = []
    for entry in entries:
        gid = str(entry.get("grant_id", ""))
        if entry.get("type") == "granted" and same_login(str(entry.get("requester")), user):
            owners[gid] = (str(entry.get("request_id", "")), str(entry.get("resource", "")))
        elif entry.get("type") == "revoked" and gid in owners:
            at = str(entry.get("revoked_at", ""))
            if at >= format_ts(now - RECENT):  # fixed width: text order is time order
                by = entry.get("by")
                found.append(
                    RevocationView(
                        *owners[gid], str(entry.get("reason", "")), str(by) if by else None, at
                    )
                )
    return sorted(found, key=lambda r: r.revoked_at, reverse=True)


def render_json(standing: Standing) -> str:
    return json.dumps(asdict(standing), indent=2) + "\n"


def render_text(standing: Standing) -> str:
    lines = [f"Access of {standing.user}:", "", "Active grants:"]
    lines += [
        f"  {g.request_id} ({g.resource}, {g.kind}): {g.status}, {g.time_left} left; ends {g.ends}"
        for g in standing.grants
    ] or ["  none"]
    lines += ["", "Pending requests:"]
    if standing.pending_skipped is not None:
        lines.append(f"  not checked: {standing.pending_skipped}")
    else:
        lines += [
            f"  #{p.number} {p.url}: {', '.join(p.requests)}; jit/approval {p.approval}"
            + (f" ({p.description})" if p.description else "")
            for p in standing.pending
        ] or ["  none"]
    lines += ["", f"Revoked in the last {RECENT.days} days:"]
    lines += [
        f"  {r.request_id} ({r.resource}): {r.reason}"
        + (f" by {r.by}" if r.by else "")
        + f" at {r.revoked_at}"
        for r in standing.revocations
    ] or ["  none"]
    lines += [f"Note: {p}" for p in standing.problems]
    return "\n".join(lines) + "\n"


def pending_view(
    number: int, url: str, files: Sequence[tuple[str, str]], status: tuple[str, str] | None
) -> PendingView | None:
    """A PR as a pending request when it adds request files (``files``: (path, status))."""
    added = tuple(
        path.removesuffix(".yaml")
        for path, change in files
        if change == "added" and path.startswith("requests/") and path.endswith(".yaml")
    )
    if not added:
        return None
    state, description = status if status is not None else ("not checked yet", "")
    return PendingView(number, url, added, state, description)
