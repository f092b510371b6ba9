"""Gather what a PR's plan depends on from GitHub, then judge it with the trusted policies.

The PR's request files are read through the API at the PR's head commit, as bytes, and parsed
as data; the policies, settings and the requests already on the base branch come from the
trusted checkout (:class:`Trusted`). API calls are bounded: one per added request file, a page
per 100 files, reviews or commits (who pushed), and team look-ups only for the teams and logins
a decision needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jit.findings import Finding
from jit.model import Context, Policies, Principal, Request, Review, Settings
from jit.parse import parse_request
from jit.parse.repository import load_policies, request_files
from jit.policy.approvals import latest_reviews
from jit.policy.engine import evaluate, pending_approvers
from jit.ports import GitHubPort, PullFile, PullInfo
from jit.pr.contents import (
    check_file_type,
    check_requester,
    check_withdrawal,
    classify,
    is_request_pr,
    withdrawal_principals,
)
from jit.pr.plan import PrPlan, RequestPlan, Withdrawal


@dataclass(frozen=True)
class Trusted:
    """What the base branch's checkout says: the judge, never the PR."""

    policies: Policies
    settings: Settings
    #: Request path -> its content on the base branch (None where it cannot be read there).
    on_main: Mapping[str, bytes | None]
    default_branch: str
    findings: tuple[Finding, ...] = ()  # problems in the base branch's policies or settings


def load_trusted(root: Path, env: Mapping[str, str], default_branch: str) -> Trusted:
    """The base branch's checkout at ``root``: policies, settings and the requests on it.

    Request files there are only read (one is parsed when a PR deletes it).
    """
    policies, settings, findings = load_policies(root, env)
    on_main = {file.path: file.raw for file in request_files(root)}
    return Trusted(policies, settings, on_main, default_branch, tuple(findings))


@dataclass(frozen=True)
class Evaluation:
    """A PR's plan and whom to ask for a review."""

    plan: PrPlan
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    files: tuple[PullFile, ...] = ()  # the PR's files, as listed once


@dataclass
class _Parsed:
    added: list[RequestPlan] = field(default_factory=list)
    removed: list[tuple[str, Request | None, tuple[Principal, ...]]] = field(default_factory=list)


def evaluate_pr(gh: GitHubPort, pull: PullInfo, trusted: Trusted, now: datetime) -> Evaluation:
    """Read the PR, judge every request in it, and say whom to ask for a review."""
    files = tuple(gh.pull_files(pull.number))
    if not is_request_pr(files):
        plan = PrPlan(pull.number, pull.author, pull.head_sha, now, request_pr=False)
        return Evaluation(plan, files=files)
    sorted_files = classify(files, trusted.on_main)
    parsed = _Parsed()
    for path in sorted_files.added:
        parsed.added.append(_read(gh, path, pull))
    for path in sorted_files.removed:
        raw = trusted.on_main.get(path)
        old = parse_request(path, raw)[0] if raw is not None else None
        revokers = withdrawal_principals(old, trusted.policies, trusted.settings)
        parsed.removed.append((path, old, revokers))

    reviews = tuple(gh.reviews(pull.number))
    pushers = gh.pull_pushers(pull.number)
    teams = _teams(gh, pull, parsed, trusted.policies, reviews, pushers)
    ctx = Context(
        now,
        pr_author=pull.author,
        head_sha=pull.head_sha,
        reviews=reviews,
        teams=teams,
        pushers=pushers,
    )
    requests = tuple(_judge(r, trusted.policies, ctx) for r in parsed.added)
    withdrawals = tuple(
        _withdraw(p, old, pull.author, rev, teams) for p, old, rev in parsed.removed
    )
    pr_findings = list(sorted_files.findings)
    if pull.base_ref != trusted.default_branch:
        pr_findings.append(_wrong_base(pull, trusted.default_branch))
    plan = PrPlan(
        pull.number,
        pull.author,
        pull.head_sha,
        now,
        requests=requests,
        withdrawals=withdrawals,
        findings=tuple(pr_findings),
        draft=pull.draft,
    )
    ask_users, ask_teams = reviewers(plan, reviews)
    return Evaluation(plan, tuple(ask_users), tuple(ask_teams), files)


def reviewers(plan: PrPlan, reviews: Sequence[Review]) -> tuple[list[str], list[str]]:
    """Whom to ask for a review: the approvers of unmet stages of a valid, ready PR.

    Nobody for a draft or an invalid PR. Never the author or a requester, and never anyone
    who has already reviewed this PR (on any commit): nobody is asked twice. GitHub itself
    skips those already requested.
    """
    if plan.draft or plan.state != "pending":
        return [], []
    skip = {plan.author.lower()} | {r.login.lower() for r in reviews}
    skip |= {r.request.requester.lower() for r in plan.requests if r.request}
    users: dict[str, str] = {}
    teams: dict[str, str] = {}
    for decision in (r.decision for r in plan.requests if r.decision is not None):
        found_users, found_teams = pending_approvers(decision)
        users.update((u.lower(), u) for u in found_users if u.lower() not in skip)
        teams.update((t.lower(), t) for t in found_teams)
    return list(dict.fromkeys(users.values())), list(dict.fromkeys(teams.values()))


def _read(gh: GitHubPort, path: str, pull: PullInfo) -> RequestPlan:
    """One added file at the head commit, as data: its type first, then the request in it."""
    blob = gh.file_at(path, pull.head_sha)
    bad_type = check_file_type(blob)
    if bad_type is not None:
        return RequestPlan(path, findings=(bad_type,))
    request, findings = parse_request(path, blob.content)
    if request is not None:
        wrong = check_requester(request, pull.author)
        findings = [*findings, wrong] if wrong else list(findings)
    return RequestPlan(path, request, findings=tuple(findings))


def _teams(
    gh: GitHubPort,
    pull: PullInfo,
    parsed: _Parsed,
    policies: Policies,
    reviews: Sequence[Review],
    pushers: frozenset[str],
) -> dict[str, frozenset[str]]:
    """Active members of the teams that matter, among the logins that matter to each team:
    the requester for eligibility and auto-approval, those who approved the head commit (and
    pushed nothing to the PR) for approval stages, the author for withdrawing someone else's
    request. Nothing more."""
    author = pull.author.lower()
    approvers = [
        r.login
        for r in latest_reviews(reviews).values()
        if r.state == "APPROVED"
        and r.commit_id == pull.head_sha
        and not r.is_bot
        and r.login.lower() not in pushers
    ]
    wanted: dict[str, dict[str, str]] = {}

    def want(principals: Iterable[Principal], logins: Iterable[str]) -> None:
        for team in (p.name for p in principals if p.is_team):
            wanted.setdefault(team, {}).update((login.lower(), login) for login in logins)

    for plan in parsed.added:
        req = plan.request
        resource = policies.resources.get(req.resource) if req else None
        if req is None or resource is None:
            continue
        want(resource.eligible, [req.requester])
        want((p for rule in resource.auto_approve for p in rule.requester_in), [req.requester])
        others = [a for a in approvers if a.lower() not in (author, req.requester.lower())]
        want((p for stage in resource.approvals for p in stage.approvers), others)
    for path, old, revokers in parsed.removed:
        owner = old.requester if old else path.split("/")[1]
        if owner.lower() != author:
            want(revokers, [pull.author])
    return {
        team: gh.active_team_members(team, sorted(logins.values()))
        for team, logins in sorted(wanted.items())
    }


def _judge(plan: RequestPlan, policies: Policies, ctx: Context) -> RequestPlan:
    if plan.request is None:
        return plan
    if plan.request.resource in policies.invalid:
        broken = Finding(
            plan.path,
            plan.request.line_of("resource"),
            plan.request.column_of("resource"),
            "resource-policy-invalid",
            "error",
            f"The policy of {plan.request.resource} has errors on the base branch, so it cannot "
            "be granted until its owners fix them; ask them, then push again to re-check.",
        )
        return RequestPlan(plan.path, plan.request, findings=(*plan.findings, broken))
    decision = evaluate(plan.request, policies, ctx)
    resource = policies.resources.get(plan.request.resource)
    return RequestPlan(plan.path, plan.request, resource, decision, plan.findings)


def _withdraw(
    path: str,
    old: Request | None,
    author: str,
    revokers: Iterable[Principal],
    teams: Mapping[str, frozenset[str]],
) -> Withdrawal:
    owner = old.requester if old else path.split("/")[1]
    denied = check_withdrawal(path, old, author, tuple(revokers), teams)
    return Withdrawal(
        path, owner, old.resource if old else None, findings=(denied,) if denied else ()
    )


def _wrong_base(pull: PullInfo, default_branch: str) -> Finding:
    return Finding(
        "(pull request)",
        None,
        None,
        "pr-wrong-base",
        "error",
        f"This PR targets {pull.base_ref!r}, but access is judged and granted only on "
        f"{default_branch!r}. Change the PR's base branch to {default_branch}.",
    )
