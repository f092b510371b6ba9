"""What a change to ``policies/`` would do, for the code owners who review it. Pure.

``policy_impact`` compares the base branch's policies with the PR's and says which resources
change (eligibility, approvals, maximum duration, grant target), who gains or loses
eligibility (among the people jit knows of, with team memberships resolved by the caller),
which recent requests the engine would now decide differently, and which live grants were
granted under rules the PR changes. It decides nothing: the PR's commit status and the
code-owner review are what they were without it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from jit.durations import format_duration
from jit.model import (
    Context,
    Decision,
    GrantSpec,
    KubernetesRoleBinding,
    Policies,
    Principal,
    Request,
    Resource,
    VaultCredentials,
)
from jit.parse.policy_tests import Expected
from jit.policy.engine import evaluate
from jit.policy.testing import outcome, reasons

Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class ResourceChange:
    resource: str
    change: Change
    details: tuple[str, ...] = ()  # one phrase per changed aspect, e.g. "max duration 4h → 8h"


@dataclass(frozen=True)
class EligibilityChange:
    resource: str
    gains: tuple[str, ...] = ()
    loses: tuple[str, ...] = ()


@dataclass(frozen=True)
class PastRequest:
    """A request on record, with the context it was judged in, rebuilt from the audit log."""

    request: Request
    ctx: Context
    recorded: str  # the last audit entry about it: "requested", "granted" or "denied"


@dataclass(frozen=True)
class Redecided:
    request_id: str
    requester: str
    resource: str
    at: datetime
    recorded: str
    before: Expected
    after: Expected
    why: str  # the engine's first reason under the PR's policies that differs


@dataclass(frozen=True)
class LiveGrant:
    grant_id: str
    requester: str
    resource: str
    starts_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AffectedGrant:
    grant: LiveGrant
    why: tuple[str, ...]


@dataclass(frozen=True)
class Impact:
    changes: tuple[ResourceChange, ...] = ()
    eligibility: tuple[EligibilityChange, ...] = ()
    redecided: tuple[Redecided, ...] = ()
    grants: tuple[AffectedGrant, ...] = ()
    people: int = 0  # how many people eligibility was checked for
    reevaluated: int = 0  # past requests judged again
    unknown_teams: tuple[str, ...] = ()  # teams whose membership could not be read
    unrebuilt: int = 0  # past requests on record that could not be rebuilt
    policy_errors: int = 0  # errors in the PR's policies (jit check lists them)


def policy_impact(
    old: Policies,
    new: Policies,
    teams: Mapping[str, frozenset[str]],
    people: Collection[str],
    history: Sequence[PastRequest],
    grants: Sequence[LiveGrant],
) -> Impact:
    """The impact of replacing ``old`` by ``new``; ``teams`` holds the active members, among
    ``people`` and the approvers on record, of ``teams_that_matter`` (a team missing there
    could not be read)."""
    ids = sorted(set(old.resources) | set(new.resources))
    changes = tuple(c for rid in ids if (c := _change(rid, old, new)) is not None)
    changed = {c.resource for c in changes}
    eligibility = tuple(
        e
        for rid in sorted(changed)
        if (e := _eligibility(rid, old, new, teams, people)).gains or e.loses
    )
    redecided = tuple(r for past in history if (r := _redecide(past, old, new, teams)))
    affected = tuple(a for g in grants if (a := _affected(g, old, new, teams)) is not None)
    unknown = tuple(sorted(t for t in teams_that_matter(old, new) if t not in teams))
    return Impact(changes, eligibility, redecided, affected, len(people), len(history), unknown)


def teams_that_matter(old: Policies, new: Policies) -> set[str]:
    """The teams named by a resource the change touches, before or after: only their
    membership can make a decision differ (the engine judges a request by its resource)."""
    ids = set(old.resources) | set(new.resources)
    touched = [
        r
        for rid in ids
        if _change(rid, old, new) is not None
        for r in (old.resources.get(rid), new.resources.get(rid))
        if r is not None
    ]
    return {p.name for r in touched for p in _all(r) if p.is_team}


def _all(resource: Resource) -> Iterable[Principal]:
    yield from resource.eligible
    for stage in resource.approvals:
        yield from stage.approvers
    for rule in resource.auto_approve:
        yield from rule.requester_in


def _change(rid: str, old: Policies, new: Policies) -> ResourceChange | None:
    before, after = old.resources.get(rid), new.resources.get(rid)
    if before is None and after is None:  # pragma: no cover - ids come from either side
        return None
    if before is None:
        return ResourceChange(rid, "added", _describe(after) if after else ())
    if after is None:
        return ResourceChange(rid, "removed")
    details: list[str] = []
    if set(before.eligible) != set(after.eligible):
        details.append(f"eligible: {_names(before.eligible)} → {_names(after.eligible)}")
    if before.approvals != after.approvals:
        details.append(f"approvals: {_stages(before)} → {_stages(after)}")
    if before.auto_approve != after.auto_approve:
        details.append(f"auto-approval: {_auto(before)} → {_auto(after)}")
    if before.max_duration != after.max_duration:
        details.append(
            f"max duration: {format_duration(before.max_duration)} → "
            f"{format_duration(after.max_duration)}"
        )
    if before.grant != after.grant:
        details.append(f"grant: {_grant(before.grant)} → {_grant(after.grant)}")
    if (before.ticket, before.hours) != (after.ticket, after.hours):
        details.append("ticket or hours rule")
    if not details and _comparable(before) != _comparable(after):
        details.append("description, revokers or delivery")
    return ResourceChange(rid, "changed", tuple(details)) if details else None


def _comparable(resource: Resource) -> Resource:
    return replace(resource, source="", line=None)


def _describe(resource: Resource) -> tuple[str, ...]:
    return (
        f"eligible: {_names(resource.eligible)}",
        f"approvals: {_stages(resource)}",
        f"auto-approval: {_auto(resource)}",
        f"max duration: {format_duration(resource.max_duration)}",
        f"grant: {_grant(resource.grant)}",
    )


def _names(principals: Iterable[Principal]) -> str:
    return ", ".join(sorted(p.name for p in principals)) or "nobody"


def _stages(resource: Resource) -> str:
    parts = [f"{s.count} of {_names(s.approvers)}" for s in resource.approvals]
    return "; then ".join(parts) or "none"


def _auto(resource: Resource) -> str:
    parts = [
        _names(rule.requester_in)
        + (f" up to {format_duration(rule.max_duration)}" if rule.max_duration else "")
        for rule in resource.auto_approve
    ]
    return "; ".join(parts) or "none"


def _grant(grant: GrantSpec) -> str:
    if isinstance(grant, VaultCredentials):
        return f"vault-credentials {grant.path}"
    if not isinstance(grant, KubernetesRoleBinding):
        return f"{grant.kind} with policies {', '.join(grant.policies)}"
    where = f"{grant.cluster}/{grant.namespace or '(cluster-wide)'}"
    return f"kubernetes-rolebinding {grant.role_kind} {grant.role} on {where}"


def is_eligible(resource: Resource | None, login: str, teams: Mapping[str, frozenset[str]]) -> bool:
    """Whether ``login`` is named in ``resource.eligible`` or an active member of a team there."""
    if resource is None:
        return False
    folded = login.lower()
    for principal in resource.eligible:
        if principal.is_team:
            if folded in {m.lower() for m in teams.get(principal.name, frozenset())}:
                return True
        elif principal.name.lower() == folded:
            return True
    return False


def _eligibility(
    rid: str,
    old: Policies,
    new: Policies,
    teams: Mapping[str, frozenset[str]],
    people: Collection[str],
) -> EligibilityChange:
    before, after = old.resources.get(rid), new.resources.get(rid)
    gains, loses = [], []
    for login in sorted(people, key=str.lower):
        was, now = is_eligible(before, login, teams), is_eligible(after, login, teams)
        if now and not was:
            gains.append(login)
        elif was and not now:
            loses.append(login)
    return EligibilityChange(rid, tuple(gains), tuple(loses))


def _redecide(
    past: PastRequest, old: Policies, new: Policies, teams: Mapping[str, frozenset[str]]
) -> Redecided | None:
    ctx = replace(past.ctx, teams=teams)
    then, now = evaluate(past.request, old, ctx), evaluate(past.request, new, ctx)
    before, after = outcome(then), outcome(now)
    if before == after:
        return None
    why = _why(now, after, set(reasons(then)))
    request = past.request
    return Redecided(
        request.id, request.requester, request.resource, ctx.now, past.recorded, before, after, why
    )


def _why(decision: Decision, after: Expected, earlier: set[str]) -> str:
    """The sentence that best says why the PR's policies decide ``after``."""
    if after == "denied":
        return next(f.message for f in decision.findings if f.is_error)
    if after == "pending":
        unmet = [s for s in decision.stages if not s.met]
        if not unmet:
            return decision.auto_approve_reason
        stage = unmet[0]
        return (
            f"approval stage {stage.index + 1} ({_names(stage.approvers)}) would need "
            f"{stage.count} approval(s) and has {len(stage.approved_by)} on record"
        )
    return next((s for s in reasons(decision) if s not in earlier), decision.auto_approve_reason)


def _affected(
    grant: LiveGrant, old: Policies, new: Policies, teams: Mapping[str, frozenset[str]]
) -> AffectedGrant | None:
    before, after = old.resources.get(grant.resource), new.resources.get(grant.resource)
    why: list[str] = []
    if after is None:
        why.append("its resource is removed")
    else:
        if is_eligible(before, grant.requester, teams) and not is_eligible(
            after, grant.requester, teams
        ):
            why.append(f"{grant.requester} is no longer eligible")
        if before is not None and before.grant != after.grant:
            why.append("the grant target changes")
        length = int((grant.expires_at - grant.starts_at).total_seconds())
        if length > after.max_duration:
            why.append(
                f"it lasts longer than the new {format_duration(after.max_duration)} maximum"
            )
        if before is not None and before.approvals != after.approvals:
            why.append("the approvals it was granted under change")
    return AffectedGrant(grant, tuple(why)) if why else None
