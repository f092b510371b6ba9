"""Checks of single values (durations, timestamps, logins, request paths), shared by the
schema-error explainer and the semantic checks so a value gets the same message either way.

Each check returns the parsed value, or a ``Problem``: a finding code and a message (a clause
that says what is wrong and how to fix it, in the style of the policy engine's reasons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from jit.durations import ABSOLUTE_MAX_SECONDS, DurationError, format_duration, parse_duration
from jit.redact import redact_secrets

#: Longest stretch of file text quoted back in a message (request files are hostile).
QUOTE_LIMIT = 60

LOGIN_RE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
LOGIN_MAX = 39
#: The <name> in requests/<login>/<name>.yaml: lowercase letters, digits and single hyphens,
#: no dots, so that no name can look like a credential (``hvs.…``, a JWT) in the audit log.
REQUEST_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
REQUEST_NAME_MAX = 64
_DURATION_RE = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_TIMESTAMP_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)([Zz]|[+-]\d{2}:\d{2})?"
)
_UNITS = (86400, 3600, 60, 1)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """Quote untrusted text for a message: secrets redacted, escaped, single-line and bounded."""
    text = redact_secrets(value if isinstance(value, str) else str(value))
    return repr(text if len(text) <= limit else text[:limit] + "...")


def check_duration(text: str, what: str = "duration") -> int | Problem:
    """Seconds in ``text`` (``15m``, ``2h``, ``1h30m``, ``1d``), or why it is not usable."""
    match = _DURATION_RE.fullmatch(text) if len(text) <= 24 else None
    if match is None or not any(match.groups()):
        return Problem(
            "invalid-duration",
            f"{what} {quote(text)} is not a duration; write it like 15m, 2h, 1h30m or 1d",
        )
    seconds = sum(
        int(v) * unit for v, unit in zip(match.groups(), _UNITS, strict=True) if v is not None
    )
    if seconds == 0:
        return Problem(
            "duration-zero", f"{what} {quote(text)} is zero; ask for a positive duration like 30m"
        )
    if seconds > ABSOLUTE_MAX_SECONDS:
        limit = format_duration(ABSOLUTE_MAX_SECONDS)
        return Problem(
            "duration-too-long",
            f"{what} {quote(text)} is longer than {limit}, the most jit ever grants; "
            f"ask for {limit} or less",
        )
    if all(v is None or len(v) <= 4 for v in match.groups()):
        return seconds  # within every limit of jit.durations.parse_duration, which agrees
    try:  # the canonical parser must agree, so every module reads the text the same way
        return parse_duration(text)
    except DurationError:
        return Problem(
            "invalid-duration",
            f"{what} {quote(text)} is not a duration; write it like 15m, 2h, 1h30m or 1d",
        )


def check_timestamp(text: str, what: str = "not_before") -> datetime | Problem:
    """A timezone-aware datetime from RFC 3339 text with an offset, or why not."""
    example = "2026-11-23T09:00:00Z"
    match = _TIMESTAMP_RE.fullmatch(text) if len(text) <= 40 else None
    if match is None:
        return Problem(
            "invalid-timestamp",
            f"{what} {quote(text)} is not an RFC 3339 date and time; write it like {example}",
        )
    day, clock, offset = match.groups()
    if offset is None:
        return Problem(
            "timestamp-without-offset",
            f"{what} {quote(text)} has no UTC offset, so it could mean any time zone; "
            f"add Z for UTC or an offset such as +01:00, e.g. {text}Z",
        )
    offset = "+00:00" if offset in "Zz" else offset
    try:
        return datetime.fromisoformat(f"{day}T{clock}{offset}")
    except ValueError as exc:
        return Problem(
            "invalid-timestamp", f"{what} {quote(text)} is not a valid date and time ({exc})"
        )


def check_login(text: str, what: str = "requester") -> str | Problem:
    if len(text) <= LOGIN_MAX and LOGIN_RE.fullmatch(text):
        return text
    return Problem(
        "invalid-login",
        f"{what} {quote(text)} is not a valid GitHub login: 1 to 39 letters, digits or single "
        "hyphens, not starting or ending with a hyphen",
    )


def check_request_path(path: str) -> Problem | None:
    """``requests/<login>/<name>.yaml`` with a valid login and name, or why not."""
    parts = path.split("/")
    shape = "requests/<your login>/<name>.yaml"
    if len(parts) != 3 or parts[0] != "requests" or not parts[2].endswith(".yaml"):
        return Problem(
            "request-path",
            f"a request file must be at {shape}, so move {quote(path)} there",
        )
    login, name = parts[1], parts[2][: -len(".yaml")]
    if not (len(login) <= LOGIN_MAX and LOGIN_RE.fullmatch(login)):
        return Problem(
            "request-path",
            f"the directory {quote(login)} is not a valid GitHub login; put the file at {shape}",
        )
    if not (len(name) <= REQUEST_NAME_MAX and REQUEST_NAME_RE.fullmatch(name)):
        return Problem(
            "request-path",
            f"the file name {quote(name)} may only use lowercase letters, digits and single "
            f"hyphens (at most {REQUEST_NAME_MAX}, no dots, not starting or ending with a "
            "hyphen), so that it can never look like a credential in the audit log; rename it, "
            "e.g. incident-4711.yaml",
        )
    return None
