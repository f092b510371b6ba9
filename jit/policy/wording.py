"""Small wording helpers shared by the policy engine's sentences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from jit.model import Principal

#: Longest stretch of request text quoted back in a message (request files are hostile).
QUOTE_LIMIT = 60


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Quote untrusted text for a message: escaped, single-line and bounded in length."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return repr(shown)


def names(principals: Iterable[Principal]) -> str:
    """``acme/dba, dave`` for a list of principals; ``nobody`` when it is empty."""
    listed = [p.name for p in principals]
    return join(listed) if listed else "nobody"


def join(items: Iterable[str], word: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    listed = list(items)
    if len(listed) <= 1:
        return "".join(listed)
    return f"{', '.join(listed[:-1])} {word} {listed[-1]}"


def approvals(count: int) -> str:
    return "1 approval" if count == 1 else f"{count} approvals"


def short_sha(sha: str | None) -> str:
    return sha[:7] if sha else "unknown"


def aware(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC, so comparisons never raise."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment


def utc_text(moment: datetime) -> str:
    """RFC 3339 in UTC, as a request file's ``not_before`` would be written."""
    try:
        moment = aware(moment).astimezone(UTC)
    except OverflowError:
        return aware(moment).isoformat()
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def outside(who: str, principals: Iterable[Principal]) -> str:
    """Why ``who`` is not admitted by ``principals``, as a clause."""
    listed = list(principals)
    users = [p.name for p in listed if not p.is_team]
    teams = [p.name for p in listed if p.is_team]
    if not listed:
        return f"{who} is not listed, because the list is empty"
    if not users:
        return f"{who} is not an active member of {join(teams, 'or')}"
    if not teams:
        return f"{who} is not listed ({join(users)})"
    return f"{who} is neither listed nor an active member of {join(teams, 'or')}"
