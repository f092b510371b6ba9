"""Merge-time re-verification on trusted code: a merge and a green status are not proof.

Before anything is issued for a request file on main, this module establishes, through GitHub
and git, that:

1. exactly one merged PR into main brought the file in (its merge commit is the commit that
   added the file, or, for rebase merges, descends from it);
2. that PR is a request PR and nothing else: it changed no policy, schema, code, workflow or
   other file, so the request is not judged by rules it changed itself;
3. the file on main is byte for byte the file at that PR's final head commit (what was
   reviewed);
4. the requester is the PR's author;
5. the request passes the schema and policy checks with main's policies, and its approvals,
   recounted now on the PR's final head commit with team memberships as they are now, meet
   every stage (or it is auto-approved). Only reviews submitted by the merge count: an
   approval given after it approved nothing that was merged. Nor does an approval by anyone
   who authored or committed one of the PR's commits.

Anything else is a denial with reasons: whole sentences, fit for the PR comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from jit.errors import JitError, OperationalError
from jit.findings import Finding
from jit.model import Context, Decision, Policies, Request, Resource, Review
from jit.policy.engine import evaluate
from jit.policy.members import same_login, team_names
from jit.ports import GitHubPort, PullFile, PullInfo
from jit.pr.contents import classify

#: How many of a PR's foreign files a denial names.
_NAMED = 5


class GitHistory(Protocol):
    """What re-verification asks of main's checkout (``jit.adapters.git.Git`` in production)."""

    def is_ancestor(self, ancestor: str, descendant: str) -> bool: ...
    def show(self, path: str) -> bytes | None:
        """The file at ``HEAD``; None when it is not there."""
        ...

    def blob_sha(self, path: str) -> str | None:
        """The blob id of the file at ``HEAD``; None when it is not there."""
        ...


@dataclass(frozen=True)
class Verified:
    request: Request
    resource: Resource
    pr: PullInfo
    decision: Decision
    approvers: tuple[str, ...]
    request_blob: str
    starts_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Denied:
    path: str
    request_id: str
    requester: str
    resource: str
    pr: PullInfo | None
    reasons: tuple[str, ...]


def find_pr(
    github: GitHubPort, git: GitHistory, added_commit: str, branch: str
) -> tuple[PullInfo | None, str | None]:
    """The one merged PR into ``branch`` that brought in ``added_commit``; or why there is none."""
    pulls = [
        p
        for p in github.pulls_for_commit(added_commit)
        if p.merged and p.base_ref == branch and p.merge_commit_sha
    ]
    exact = [p for p in pulls if p.merge_commit_sha == added_commit]
    if not exact:
        exact = [
            p
            for p in pulls
            if p.merge_commit_sha
            and git.is_ancestor(added_commit, p.merge_commit_sha)
            and git.is_ancestor(p.merge_commit_sha, "HEAD")
        ]
    if len(exact) == 1:
        return exact[0], None
    short = added_commit[:12]
    if not exact:
        return None, (
            f"No merged pull request into {branch} brought in commit {short}, which added this "
            "file; requests must arrive through a reviewed pull request, not a direct push."
        )
    numbers = ", ".join(f"#{p.number}" for p in exact)
    return None, (
        f"Commit {short}, which added this file, belongs to several merged pull requests "
        f"({numbers}); jit cannot tell which review to trust, so open a new request."
    )


def verify(
    *,
    path: str,
    request: Request | None,
    findings: Sequence[Finding],
    added_commit: str,
    policies: Policies,
    github: GitHubPort,
    git: GitHistory,
    branch: str,
    now: datetime,
) -> Verified | Denied:
    """Re-verify one request file on main. GitHub failures raise OperationalError."""
    request_id = path.removesuffix(".yaml")
    requester = request.requester if request else request_id.split("/")[1]
    resource_id = request.resource if request else ""
    pr, why = find_pr(github, git, added_commit, branch)

    def deny(*reasons: str) -> Denied:
        return Denied(path, request_id, requester, resource_id, pr, tuple(reasons))

    if pr is None:
        return deny(why or "No merged pull request brought in this file.")
    mixed = _foreign_files(github, pr)
    if mixed:
        return deny(mixed)
    errors = [f.message for f in findings if f.is_error]
    if request is None or errors:
        return deny(*(errors or ["The request file does not parse; fix it in a new request."]))
    merged = git.show(path)
    reviewed = github.file_at(path, pr.head_sha)
    if reviewed.type != "file" or merged is None or reviewed.content != merged:
        return deny(
            f"The file on {branch} differs from the file at the pull request's final head commit "
            f"{pr.head_sha[:12]}, so it is not what was reviewed; open a new request."
        )
    if not same_login(request.requester, pr.author):
        return deny(
            f"The request is for {request.requester!r} but pull request #{pr.number} was opened "
            f"by {pr.author!r}; people request access for themselves only."
        )
    resource = policies.resources.get(request.resource)
    try:
        pushers = github.pull_pushers(pr.number)
    except OperationalError:
        raise
    except JitError as exc:  # too many commits for GitHub to list
        return deny(f"{exc} A request must be merged from a pull request jit can check.")
    ctx = _context(github, request, resource, pr, now, pushers)
    decision = evaluate(request, policies, ctx)
    if resource is None or not decision.allowed:
        return deny(*_reasons(decision))
    starts_at = decision.starts_at or max(now, request.not_before or now)
    expires_at = decision.expires_at or starts_at + timedelta(seconds=request.duration)
    return Verified(
        request=request,
        resource=resource,
        pr=pr,
        decision=decision,
        approvers=tuple(sorted({who for s in decision.stages for who in s.approved_by})),
        request_blob=git.blob_sha(path) or "",
        starts_at=starts_at,
        expires_at=expires_at,
    )


def _foreign_files(github: GitHubPort, pr: PullInfo) -> str | None:
    """Why ``pr`` is not a request PR of its own, or None. An admin can merge a request
    together with the policies (or code) that judge it; the request is then denied."""
    try:
        files = github.pull_files(pr.number)
    except OperationalError:
        raise
    except JitError as exc:  # too many files for GitHub to list
        return f"{exc} A request must be merged in a pull request of its own; open a new request."
    flagged = {f.file for f in classify(files, ()).findings}
    foreign = [
        _label(f)
        for f in sorted(files, key=lambda f: f.filename)
        if f.filename in flagged or f.previous_filename in flagged
    ]
    if not foreign:
        return None
    named = ", ".join(foreign[:_NAMED])
    if len(foreign) > _NAMED:
        named += f" and {len(foreign) - _NAMED} more file(s)"
    return (
        f"The pull request that merged this request (#{pr.number}) also changed {named}; a "
        "request must be merged in a pull request of its own, so that it is judged by policies "
        "and code it cannot change. Open a new request."
    )


def _label(f: PullFile) -> str:
    if f.status == "renamed" and f.previous_filename:
        return f"{_printable(f.previous_filename)} (renamed to {_printable(f.filename)})"
    return _printable(f.filename)


def _printable(path: str) -> str:
    """A file name from the PR on one line: control characters spelled out (``\\n``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


def _context(
    github: GitHubPort,
    request: Request,
    resource: Resource | None,
    pr: PullInfo,
    now: datetime,
    pushers: frozenset[str],
) -> Context:
    reviews = tuple(r for r in github.reviews(pr.number) if _by_merge(r, pr.merged_at))
    logins = sorted({r.login for r in reviews} | {request.requester, pr.author})
    teams = {
        team: github.active_team_members(team, logins)
        for team in sorted(team_names(resource) if resource is not None else set())
    }
    return Context(
        now=now,
        pr_author=pr.author,
        head_sha=pr.head_sha,
        reviews=reviews,
        teams=teams,
        pushers=pushers,
    )


def _by_merge(review: Review, merged_at: datetime | None) -> bool:
    """Whether ``review`` was submitted by the merge; without a time it cannot be shown to be."""
    if merged_at is None:
        return True
    return review.submitted_at is not None and review.submitted_at <= merged_at


def _reasons(decision: Decision) -> list[str]:
    reasons = [f.message for f in decision.findings if f.is_error]
    if decision.valid and not decision.approved:
        for stage in decision.stages:
            if not stage.met:
                who = ", ".join(p.name for p in stage.approvers)
                reasons.append(
                    f"Approval stage {stage.index + 1} needs {stage.count} approval(s) from "
                    f"{who} on the final head commit, and has {len(stage.approved_by)}; the "
                    "pull request was merged without the approvals policy requires."
                )
                for _, why in stage.not_counted:
                    if f"Not counted: {why}." not in reasons:
                        reasons.append(f"Not counted: {why}.")
        if not decision.stages:
            reasons.append("The request is neither approved nor auto-approved.")
    return reasons or ["The request was not allowed by policy."]
