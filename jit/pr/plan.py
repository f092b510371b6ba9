"""The plan of a request PR, like ``terraform plan``: what will happen on merge, and what is missing.

Pure. The command runner gathers a :class:`PrPlan`; this module turns it into the commit-status
state, a one-line status description and the Markdown of the plan comment and job summary
(rendered by :mod:`jit.pr.render`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from jit.findings import Finding
from jit.model import Decision, Request, Resource

MARKER = "<!-- jit:plan -->"
STATUS_CONTEXT = "jit/approval"
STATUS_MAX = 140

State = Literal["failure", "pending", "success"]


@dataclass(frozen=True)
class RequestPlan:
    """One added request file: what it asks for and the engine's decision on it."""

    path: str
    request: Request | None = None  # None: it did not parse
    resource: Resource | None = None  # None: unknown resource, or no request
    decision: Decision | None = None  # None: not evaluated (it did not parse)
    findings: tuple[Finding, ...] = ()  # file type, parse and PR-content findings

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        # A rule both the PR checks and the engine enforce (requester is the author) once.
        seen = {(f.file, f.code) for f in self.findings}
        extra = (self.decision.findings if self.decision else ()) or ()
        return self.findings + tuple(f for f in extra if (f.file, f.code) not in seen)

    @property
    def state(self) -> State:
        if self.decision is None or any(f.is_error for f in self.all_findings):
            return "failure"
        return "success" if self.decision.approved else "pending"

    @property
    def missing(self) -> int:
        """Approvals still needed (0 when auto-approved or every stage is met)."""
        if self.decision is None or self.decision.approved:
            return 0
        return sum(s.missing for s in self.decision.stages)


@dataclass(frozen=True)
class Withdrawal:
    """One deleted request file: the access it gave is revoked on merge."""

    path: str
    requester: str  # from the file on the base branch, or the path's directory
    resource: str | None = None  # None: the file does not parse on the base branch
    findings: tuple[Finding, ...] = ()

    @property
    def state(self) -> State:
        return "failure" if any(f.is_error for f in self.findings) else "success"


@dataclass(frozen=True)
class PrPlan:
    """Everything the plan comment and the status say about one PR at one head commit."""

    number: int
    author: str
    head_sha: str
    now: datetime
    requests: tuple[RequestPlan, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    findings: tuple[Finding, ...] = ()  # files that do not belong in a request PR
    request_pr: bool = True  # False: the PR touches nothing under requests/
    draft: bool = False

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        out = list(self.findings)
        for r in self.requests:
            out.extend(r.all_findings)
        for w in self.withdrawals:
            out.extend(w.findings)
        return tuple(out)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.all_findings if f.is_error)

    @property
    def state(self) -> State:
        if self.errors:
            return "failure"
        if any(r.state == "pending" for r in self.requests):
            return "pending"
        return "success"


def status_description(plan: PrPlan) -> str:
    """The one-line summary for the ``jit/approval`` commit status (at most 140 characters)."""
    if not plan.request_pr:
        text = "No access requests in this PR; code-owner review decides."
    elif plan.state == "failure":
        files = len({f.file for f in plan.errors})
        text = (
            f"Invalid: {_n(len(plan.errors), 'error')} in {_n(files, 'file')}; "
            "see the jit plan comment for how to fix them."
        )
    elif plan.state == "pending":
        waiting = [r for r in plan.requests if r.state == "pending"]
        missing = sum(r.missing for r in waiting)
        text = (
            f"Waiting for {_n(missing, 'approval')} on {_n(len(waiting), 'request')}; "
            "see the jit plan comment for who may approve."
        )
    else:
        parts = []
        auto = sum(1 for r in plan.requests if r.decision and r.decision.auto_approved)
        if plan.requests:
            parts.append(f"{_n(len(plan.requests), 'request')} approved")
        if auto:
            parts[-1] += f" ({auto} automatically)"
        if plan.withdrawals:
            parts.append(f"{_n(len(plan.withdrawals), 'withdrawal')} to revoke on merge")
        text = "Ready to merge: " + ", ".join(parts or ["nothing to do"]) + "."
    return text if len(text) <= STATUS_MAX else text[: STATUS_MAX - 1] + "…"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
