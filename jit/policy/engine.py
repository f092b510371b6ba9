"""The policy engine: judge one request against the policies and a context. Pure.

``evaluate`` never does I/O, never reads the clock (``Context.now`` is the time) and never
raises on valid model objects. It denies by default: a decision is ``allowed`` only when no
rule failed with an error and either every approval stage is met or an auto-approval rule
applies. Every reason is a sentence naming the rule, fit to post in a pull-request comment.

Offline (``Context.head_sha`` is None, as in ``jit check``) team membership is usually
unknown: eligibility that depends on it is a note, and no approval counts. Online, a team
whose membership is still unknown is an error (``team-unresolved``), since the adapters
resolve every team ``team_names`` lists before evaluating.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta

from jit.durations import format_duration
from jit.model import Context, Decision, Policies, Request, Resource, StageResult
from jit.policy import rules
from jit.policy.approvals import count_stages
from jit.policy.members import Directory, same_login, team_names
from jit.policy.wording import aware, join, names, outside, quote

__all__ = ["access_start", "evaluate", "pending_approvers", "team_names"]


def access_start(request: Request, ctx: Context) -> datetime:
    """When access would start: ``ctx.start``, else the later of now and ``not_before``."""
    if ctx.start is not None:
        return aware(ctx.start)
    now = aware(ctx.now)
    if request.not_before is not None and aware(request.not_before) > now:
        return aware(request.not_before)
    return now


def _span(start: datetime, seconds: int) -> tuple[datetime, datetime | None]:
    with suppress(OverflowError):  # a start at the edge of the calendar keeps its offset
        start = start.astimezone(UTC)
    try:
        return start, start + timedelta(seconds=seconds)
    except OverflowError:
        return start, None


def evaluate(request: Request, policies: Policies, ctx: Context) -> Decision:
    """Judge ``request`` against ``policies`` in ``ctx``; see the module docstring."""
    out = rules.Outcome(request)
    starts_at, expires_at = _span(access_start(request, ctx), request.duration)
    resource = policies.resources.get(request.resource)
    if resource is None:
        rules.unknown_resource(out, policies.resources)
        return Decision(
            request_id=request.id,
            resource_id=request.resource,
            findings=tuple(out.findings),
            matched_rules=(),
            stages=(),
            auto_approved=False,
            auto_approve_reason=(
                f"no auto-approval rule applies, because {quote(request.resource)} "
                "is not a defined resource"
            ),
            starts_at=starts_at,
            expires_at=expires_at,
            requester=request.requester,
            pr_author=ctx.pr_author,
        )
    directory = Directory(ctx.teams)
    online = ctx.head_sha is not None
    eligible = rules.eligibility(out, resource, directory, online)
    rules.duration(out, resource)
    rules.ticket(out, resource)
    rules.hours(out, resource, starts_at)
    rules.author(out, ctx)
    stages = count_stages(resource, request, ctx)
    _stage_rules(out, stages, online)
    auto, reason = _auto_approve(resource, request, directory, eligible)
    if auto:
        out.matched.append(reason)
    return Decision(
        request_id=request.id,
        resource_id=resource.id,
        findings=tuple(out.findings),
        matched_rules=tuple(out.matched),
        stages=stages,
        auto_approved=auto,
        auto_approve_reason=reason,
        starts_at=starts_at,
        expires_at=expires_at,
        requester=request.requester,
        pr_author=ctx.pr_author,
    )


def _stage_rules(out: rules.Outcome, stages: tuple[StageResult, ...], online: bool) -> None:
    unresolved: list[str] = []
    for stage in stages:
        if stage.met:
            out.matched.append(
                f"approval stage {stage.index + 1} ({names(stage.approvers)}) is met by "
                f"{join(stage.approved_by)}"
            )
        elif stage.undecided and online:
            teams = (p.name for p in stage.approvers if p.is_team)
            unresolved.extend(t for t in teams if t not in unresolved)
    if unresolved:
        out.add(
            "",
            "team-unresolved",
            f"membership of {join(unresolved)} could not be resolved, so approvals through "
            "it do not count; re-run the check, and if this persists make sure jit's GitHub "
            "App may read team members",
            severity="warning",
        )


def _auto_approve(
    resource: Resource, request: Request, directory: Directory, eligible: bool | None
) -> tuple[bool, str]:
    """Whether an auto-approval rule applies, and a sentence saying why or why not."""
    rid, who = resource.id, request.requester
    if not resource.auto_approve:
        return False, f"{rid} has no auto-approval rule"
    if eligible is False:
        return False, f"auto-approval does not apply, because {who} is not eligible for {rid}"
    if eligible is None:
        return False, (
            f"auto-approval does not apply yet, because {who}'s eligibility for {rid} "
            "depends on team membership that is not known here"
        )
    asked = format_duration(request.duration)
    why_not: list[str] = []
    for number, rule in enumerate(resource.auto_approve, 1):
        limit = rule.max_duration if rule.max_duration is not None else resource.max_duration
        match = directory.match(rule.requester_in, who)
        fits = request.duration <= limit
        if match.via is not None and fits:
            how = f"an active member of {match.via.name}" if match.via.is_team else "listed by name"
            return True, (
                f"{who} is auto-approved for {rid} by auto-approval rule {number}: {who} is "
                f"{how} and {asked} is within its {format_duration(limit)} limit"
            )
        reasons: list[str] = []
        if match.via is None and match.unknown:
            reasons.append(f"membership of {join(match.unknown)} is not known here")
        elif match.via is None:
            reasons.append(outside(who, rule.requester_in))
        if not fits:
            reasons.append(f"{asked} is over its {format_duration(limit)} limit")
        why_not.append(
            f"rule {number} ({names(rule.requester_in)}, up to {format_duration(limit)}) "
            f"does not, because {join(reasons)}"
        )
    return False, f"no auto-approval rule of {rid} applies: {'; '.join(why_not)}"


def pending_approvers(decision: Decision) -> tuple[list[str], list[str]]:
    """Users and teams ("org/slug") to request as reviewers for the unmet stages.

    Never the requester or the pull request author, nor anyone already counted for a stage
    (they cannot count twice). Nobody is requested for an auto-approved decision, or for an
    invalid one: a request that cannot be granted as written should be fixed first.
    Each name appears once, in stage order.
    """
    if decision.auto_approved or not decision.valid:
        return [], []
    counted = {login.lower() for stage in decision.stages for login in stage.approved_by}
    users: list[str] = []
    teams: list[str] = []
    for stage in decision.stages:
        if stage.met:
            continue
        for principal in stage.approvers:
            name = principal.name
            if principal.is_team:
                if not any(same_login(name, t) for t in teams):
                    teams.append(name)
            elif not (
                same_login(name, decision.requester)
                or same_login(name, decision.pr_author)
                or name.lower() in counted
                or any(same_login(name, u) for u in users)
            ):
                users.append(name)
    return users, teams
