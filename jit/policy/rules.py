"""The policy engine's rules, one function each. Pure: no I/O, no clock, no exceptions.

Each rule returns findings (pinned to the request file and the line of the key it is about)
and, when it passes, a sentence naming it for ``Decision.matched_rules``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from jit.durations import ABSOLUTE_MAX_SECONDS, format_duration
from jit.findings import Finding, Severity
from jit.model import Context, Request, Resource
from jit.policy.hours import describe, judge, local_text, never_opens, zone
from jit.policy.members import Directory, same_login
from jit.policy.wording import join, names, quote, utc_text

#: A ticket longer than this is refused without running the policy's regex on it.
TICKET_LIMIT = 200


@dataclass
class Outcome:
    """What the rules found so far."""

    request: Request
    findings: list[Finding] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)

    def add(self, key: str, code: str, message: str, severity: Severity = "error") -> None:
        line, column = self.request.line_of(key), self.request.column_of(key)
        self.findings.append(Finding(self.request.path, line, column, code, severity, message))


def unknown_resource(out: Outcome, known: Iterable[str]) -> None:
    wanted = out.request.resource
    close = difflib.get_close_matches(wanted, sorted(known), n=3)
    hint = f"did you mean {join(close, 'or')}?" if close else "see policies/ for the resources"
    out.add(
        "resource",
        "unknown-resource",
        f"{quote(wanted)} is not a resource defined in policies/; {hint}",
    )


def eligibility(
    out: Outcome, resource: Resource, directory: Directory, online: bool
) -> bool | None:
    """True: eligible; False: not; None: depends on teams whose membership is unknown."""
    who = out.request.requester
    match = directory.match(resource.eligible, who)
    if match.via is not None:
        how = "an active member of " if match.via.is_team else "a listed user"
        via = match.via.name if match.via.is_team else ""
        out.matched.append(f"{who} is eligible for {resource.id} as {how}{via}")
        return True
    if match.unknown and online:
        out.add(
            "requester",
            "team-unresolved",
            f"membership of {join(match.unknown)} could not be resolved, so jit cannot tell "
            f"whether {who} is eligible for {resource.id}; re-run the check, and if this "
            "persists make sure jit's GitHub App may read team members",
        )
        return None
    if match.unknown:
        out.add(
            "requester",
            "team-unresolved",
            f"{who} is not listed by name for {resource.id}, and membership of "
            f"{join(match.unknown)} cannot be checked offline; the pull-request validator "
            "resolves it",
            severity="note",
        )
        return None
    out.add(
        "requester",
        "not-eligible",
        f"{who} is not eligible for {resource.id}, which is open to {names(resource.eligible)}; "
        "request a resource you are eligible for, or propose a change to policies/",
    )
    return False


def duration(out: Outcome, resource: Resource) -> None:
    """Within the resource's maximum, and never beyond jit's absolute cap or below 1s."""
    limit = min(resource.max_duration, ABSOLUTE_MAX_SECONDS)
    asked, most = format_duration(out.request.duration), format_duration(limit)
    if out.request.duration <= 0:
        out.add(
            "duration",
            "duration-invalid",
            f"the duration must be positive; ask for a duration such as 30m, up to {most}",
        )
    elif out.request.duration > limit:
        out.add(
            "duration",
            "duration-over-max",
            f"{asked} exceeds the {most} maximum for {resource.id}; ask for {most} or less",
        )
    else:
        out.matched.append(f"{asked} is within the {most} maximum for {resource.id}")


def ticket(out: Outcome, resource: Resource) -> None:
    pattern, value = resource.ticket, out.request.ticket
    if pattern is None:
        return
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        out.add(
            "ticket",
            "ticket-pattern-invalid",
            f"the ticket pattern of {resource.id} is not a valid regular expression, so no "
            "ticket can match it; ask the policy owners to fix it",
        )
        return
    if value is None:
        out.add(
            "ticket",
            "ticket-required",
            f"{resource.id} requires a ticket matching {pattern}; add a ticket: line with "
            "the incident or change id",
        )
    elif len(value) > TICKET_LIMIT or compiled.fullmatch(value) is None:
        out.add(
            "ticket",
            "ticket-mismatch",
            f"ticket {quote(value)} does not match {pattern}, which {resource.id} requires; "
            "use the incident or change id exactly, without extra text",
        )
    else:
        out.matched.append(f"ticket {quote(value)} matches {pattern}, as {resource.id} requires")


def hours(out: Outcome, resource: Resource, start: datetime) -> None:
    window = resource.hours
    if window is None:
        return
    where = zone(window.timezone)
    if where is None or never_opens(window):
        problem = (
            f"names the unknown time zone {quote(window.timezone)}"
            if where is None
            else f"({describe(window)}) never opens"
        )
        out.add(
            "not_before",
            "outside-hours",
            f"the hours window of {resource.id} {problem}, so no access can start; "
            "ask the policy owners to fix it",
        )
        return
    verdict = judge(window, start, where)
    if verdict.inside and verdict.local is not None:
        out.matched.append(
            f"access would start {local_text(verdict.local)} {window.timezone}, inside the "
            f"hours of {resource.id} ({describe(window)})"
        )
        return
    when = f"{local_text(verdict.local)} {window.timezone}" if verdict.local else utc_text(start)
    if verdict.next_open is None:
        advice = "pick a start inside that window"
    else:
        advice = (
            f"the next window opens {local_text(verdict.next_open)} {window.timezone}, so "
            f"set not_before: {utc_text(verdict.next_open)} or ask again then"
        )
    out.add(
        "not_before",
        "outside-hours",
        f"access to {resource.id} may only start {describe(window)}, but it would start "
        f"{when}; {advice}",
    )


def author(out: Outcome, ctx: Context) -> None:
    who = out.request.requester
    if ctx.pr_author is None:
        return
    if same_login(who, ctx.pr_author):
        out.matched.append(f"the pull request was opened by the requester, {who}")
        return
    out.add(
        "requester",
        "requester-not-author",
        f"this request is for {who} but the pull request was opened by {ctx.pr_author}; "
        f"a request must be opened by the person it is for, so {who} should open it",
    )
