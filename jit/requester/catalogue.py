"""``jit resources``: every resource as a requester sees it, and whether I may request it.

``describe`` turns a resource into plain facts (kind, limits, who is eligible, approval stages,
ticket rule, hours, auto-approval); ``eligibility`` says whether a login may request it, given
the team memberships that could be read (a team missing from ``teams`` is unknown).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from jit.durations import format_duration
from jit.model import Policies, Resource
from jit.policy.hours import describe as describe_hours
from jit.policy.members import Directory
from jit.policy.wording import join, names

Eligible = Literal["yes", "no", "unknown"]


@dataclass(frozen=True)
class ResourceView:
    id: str
    description: str
    kind: str
    max_duration: str
    eligible: tuple[str, ...]
    approvals: tuple[str, ...]  # one sentence per stage
    ticket: str | None  # the pattern a ticket must match; None: optional
    hours: str | None
    auto_approve: tuple[str, ...]  # one sentence per rule
    #: Filled in only for ``--mine``: whether I may request it, and why (not).
    may_request: Eligible | None = None
    why: str | None = None


def describe(resource: Resource) -> ResourceView:
    stages = tuple(
        f"{stage.count} of {join([p.name for p in stage.approvers], 'or')}"
        for stage in resource.approvals
    )
    auto = tuple(
        f"{names(rule.requester_in)}, up to "
        f"{format_duration(rule.max_duration or resource.max_duration)}"
        for rule in resource.auto_approve
    )
    return ResourceView(
        id=resource.id,
        description=resource.description,
        kind=resource.grant.kind,
        max_duration=format_duration(resource.max_duration),
        eligible=tuple(p.name for p in resource.eligible),
        approvals=stages,
        ticket=resource.ticket,
        hours=describe_hours(resource.hours) if resource.hours else None,
        auto_approve=auto,
    )


def eligibility(
    resource: Resource, login: str, teams: Mapping[str, frozenset[str]]
) -> tuple[Eligible, str]:
    """Whether ``login`` may request ``resource``, and a sentence saying why (not)."""
    match = Directory(teams).match(resource.eligible, login)
    if match.via is not None:
        how = f"an active member of {match.via.name}" if match.via.is_team else "listed by name"
        return "yes", f"you are {how}"
    if match.unknown:
        return "unknown", (
            f"you are not listed by name, and your membership of {join(match.unknown)} could "
            "not be read with your token"
        )
    return "no", f"only {names(resource.eligible)} may request it, and you are none of them"


def catalogue(
    policies: Policies,
    login: str | None = None,
    teams: Mapping[str, frozenset[str]] | None = None,
) -> list[ResourceView]:
    """Every valid resource, by id; with ``login``, each says whether that login may
    request it."""
    views: list[ResourceView] = []
    for rid in sorted(policies.resources):
        resource = policies.resources[rid]
        view = describe(resource)
        if login is not None:
            verdict, why = eligibility(resource, login, teams or {})
            view = ResourceView(**{**asdict(view), "may_request": verdict, "why": why})
        views.append(view)
    return views


def render_text(views: Sequence[ResourceView], *, mine: bool) -> str:
    """One block per resource; with ``mine``, those I may request first."""
    if not views:
        return "No resources are defined in policies/.\n"
    blocks: list[str] = []
    for view in views:
        head = f"{view.id}: {view.description}"
        if mine and view.may_request != "yes":
            head += f"  [{'not for you' if view.may_request == 'no' else 'cannot tell'}]"
        lines = [
            head,
            f"  grant:        {view.kind}, at most {view.max_duration}",
            f"  eligible:     {', '.join(view.eligible) or 'nobody'}",
            f"  approvals:    {'; then '.join(view.approvals) or 'none (auto-approval only)'}",
            f"  ticket:       {f'required, matching {view.ticket}' if view.ticket else 'optional'}",
            f"  hours:        {view.hours or 'any time'}",
            f"  auto-approve: {'; '.join(view.auto_approve) or 'never'}",
        ]
        if view.why is not None:
            lines.append(f"  for you:      {view.why}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def render_json(views: Sequence[ResourceView]) -> str:
    return json.dumps([asdict(v) for v in views], indent=2) + "\n"
