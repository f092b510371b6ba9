"""Recent requests rebuilt from audit entries, to judge them again under a PR's policies. Pure.

The audit log records, per request, ``requested`` (when it was merged), then ``granted`` (with
the approvers and the granted span) or ``denied``. The request itself is read from the base
branch's ``requests/`` when it is still there; otherwise a ``granted`` entry gives its
duration and ticket. The rebuilt context has the approvals on record (a denial records none)
and the PR author as the requester, as jit requires: both the old and the new policies are
judged in that same context, so only the policies differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from jit.model import Context, Request, Review
from jit.parse import parse_request
from jit.pr.impact import PastRequest

#: How far back requests are judged again.
HISTORY_DAYS = 90
_TYPES = ("requested", "granted", "denied")
#: The commit the rebuilt approvals are on.
_HEAD = "audit"


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def past_requests(
    entries: Iterable[Mapping[str, object]],
    on_main: Mapping[str, bytes | None],
    now: datetime,
    days: int = HISTORY_DAYS,
) -> tuple[list[PastRequest], int]:
    """Each request on record in the last
    ``days`` days that can be rebuilt, in order of record; and how many could not be."""
    since = now - timedelta(days=days)
    seen: dict[str, dict[str, Mapping[str, object]]] = {}
    for entry in entries:
        kind, rid = entry.get("type"), _text(entry.get("request_id"))
        stamp = _time(entry.get("ts"))
        if kind not in _TYPES or rid is None or stamp is None or stamp < since:
            continue
        seen.setdefault(rid, {})[str(kind)] = entry
    rebuilt: list[PastRequest] = []
    missing = 0
    for rid, found in seen.items():
        last = "granted" if "granted" in found else "denied" if "denied" in found else "requested"
        request = _request(rid, on_main.get(f"{rid}.yaml"), found.get("granted"))
        if request is None:
            missing += 1
            continue
        rebuilt.append(PastRequest(request, _context(request, found), last))
    return rebuilt, missing


def _request(rid: str, raw: bytes | None, granted: Mapping[str, object] | None) -> Request | None:
    if raw is not None:
        parsed = parse_request(f"{rid}.yaml", raw)[0]
        if parsed is not None:
            return parsed
    if granted is None:
        return None
    start = _time(granted.get("granted_at"))
    end = _time(granted.get("requested_expires_at")) or _time(granted.get("expires_at"))
    requester, resource = _text(granted.get("requester")), _text(granted.get("resource"))
    if start is None or end is None or requester is None or resource is None or end <= start:
        return None
    seconds = int((end - start).total_seconds())
    return Request(
        id=rid,
        path=f"{rid}.yaml",
        requester=requester,
        resource=resource,
        duration=seconds,
        duration_text=f"{seconds}s",
        reason=_text(granted.get("reason")) or "",
        ticket=_text(granted.get("ticket")),
        not_before=_time(granted.get("not_before")),
    )


def _context(request: Request, found: Mapping[str, Mapping[str, object]]) -> Context:
    first = found.get("requested") or found.get("granted") or found["denied"]
    at = _time(first.get("ts"))
    assert at is not None  # kept above only with a time
    granted = found.get("granted")
    approvers = granted.get("approvers") if granted else None
    logins = [a for a in approvers if isinstance(a, str)] if isinstance(approvers, list) else []
    reviews = tuple(
        Review(login, "APPROVED", _HEAD, at, id=number) for number, login in enumerate(logins, 1)
    )
    start = _time(granted.get("granted_at")) if granted else None
    return Context(
        now=at,
        pr_author=request.requester,
        head_sha=_HEAD,
        reviews=reviews,
        start=start,
        pushers=frozenset({request.requester.lower()}),
    )


def people_on_record(history: Iterable[PastRequest]) -> set[str]:
    """The requesters and approvers of the rebuilt history."""
    found = {past.request.requester for past in history}
    return found | {review.login for past in history for review in past.ctx.reviews}
