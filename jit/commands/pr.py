"""``jit pr``: judge an open request PR in GitHub Actions, and say so where people look.

Runs on ``pull_request_target`` (opened, synchronize, reopened, ready_for_review, edited),
``pull_request_review`` (submitted, dismissed, edited) and ``workflow_run`` (the trusted
re-run after a review, relayed by a workflow with no permissions). Policies, settings and
code are the base branch's (``--repo``, a checkout of it); the PR's request files are read as
data at its head commit through the API. Then, in this order:

1. annotations (``::error file=...``) on stdout, for every finding;
2. the one plan comment, found by its marker and edited in place;
3. review requests to the approvers of unmet stages (not for drafts or invalid PRs);
4. the ``jit/approval`` commit status on the PR's head commit;
5. when the PR changes ``policies/``: the policy impact comment (its own marker, edited in
   place), information for the code owners that changes neither the status nor the exit code;
6. the same plan in the job summary.

Exit codes: 0 valid (approvals may be pending), 1 invalid, 2 an event jit does not handle,
4 GitHub failed (the status says ``error`` when it can still be set).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.adapters.actions import ActionsEnv, load_event, write_summary
from jit.errors import EXIT_FINDINGS, EXIT_OK, JitError, OperationalError
from jit.findings import Finding
from jit.output import annotation, escape_data
from jit.parse.repository import policy_sources
from jit.ports import GitHubPort, PullInfo
from jit.pr.event import PrEvent, UnsupportedEvent, parse_event
from jit.pr.gather import Evaluation, Trusted, evaluate_pr, load_trusted
from jit.pr.impact import LiveGrant
from jit.pr.impact_gather import gather_impact, touches_policies
from jit.pr.impact_render import MARKER as IMPACT_MARKER
from jit.pr.impact_render import render_impact
from jit.pr.plan import MARKER, STATUS_CONTEXT, PrPlan, status_description
from jit.pr.render import render

SUMMARY_CHARS = 900_000  # the job summary holds 1 MiB
_HISTORY_TYPES = ("requested", "granted", "denied")


def run(
    repo: Path,
    *,
    env: Mapping[str, str],
    now: datetime | None = None,
    github: GitHubPort | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Judge the PR the Actions event is about; see the module docstring. ``env`` is the
    Actions environment (the command line passes the process's)."""
    out, err = out or sys.stdout, err or sys.stderr
    actions = ActionsEnv.from_env(env)
    if not actions.event_name:
        raise UnsupportedEvent("GITHUB_EVENT_NAME is not set: run jit pr inside GitHub Actions.")
    event = parse_event(actions.event_name, load_event(actions.event_path))
    if not repo.is_dir():
        raise UnsupportedEvent(f"--repo {repo} is not a directory; point it at the base checkout.")
    if github is None:
        from jit.adapters.github.client import GitHubClient

        github = GitHubClient.from_env(env)
    if now is None:
        from jit.adapters.clock import now as clock

        now = clock()

    pull = _find_pull(github, event)
    if pull is None or pull.state != "open":
        what = f"#{pull.number} is closed" if pull else "is not open any more (or not found)"
        err.write(f"jit pr: the pull request {what}; nothing to judge.\n")
        return EXIT_OK
    trusted = load_trusted(repo, env, event.default_branch or pull.base_ref)
    _warn_base(trusted.findings, err)
    try:
        evaluation = evaluate_pr(github, pull, trusted, now)
        out.write(_annotations(evaluation.plan))
        _act(github, pull, evaluation)
    except JitError as exc:
        _error_status(github, pull, exc)
        if isinstance(exc, OperationalError):
            raise
        # A set-up problem met on the way (no team access, a missing team): not the PR's fault.
        raise OperationalError(str(exc), retryable=False) from exc
    if touches_policies(evaluation.files):
        _post_impact(repo, github, pull, evaluation, trusted, now, err)
    plan = evaluation.plan
    write_summary(actions.step_summary, render(plan, limit=SUMMARY_CHARS))
    err.write(f"jit pr: #{pull.number} at {pull.head_sha[:7]}: {status_description(plan)}\n")
    return EXIT_FINDINGS if plan.state == "failure" else EXIT_OK


def _find_pull(github: GitHubPort, event: PrEvent) -> PullInfo | None:
    """Re-read the PR from the API: the payload only points at it."""
    if event.number is not None:
        return github.pull(event.number)
    assert event.head_sha is not None  # parse_event guarantees one of the two
    found = github.open_pull_for_head(event.head_sha)
    return github.pull(found.number) if found else None


def _act(github: GitHubPort, pull: PullInfo, evaluation: Evaluation) -> None:
    plan = evaluation.plan
    github.upsert_comment(pull.number, MARKER, render(plan))
    if evaluation.users or evaluation.teams:
        github.request_reviewers(pull.number, evaluation.users, evaluation.teams)
    github.set_status(pull.head_sha, plan.state, status_description(plan), STATUS_CONTEXT)


def _post_impact(
    repo: Path,
    github: GitHubPort,
    pull: PullInfo,
    evaluation: Evaluation,
    trusted: Trusted,
    now: datetime,
    err: TextIO,
) -> None:
    """The policy impact comment; a failure is a warning on stderr, never the PR's verdict."""
    from jit.audit.store import AuditLog
    from jit.reconcile.state import StateStore

    try:
        base_files, base_settings, _ = policy_sources(repo)
        entries = AuditLog(repo, trusted.settings.audit_dir).entries(_HISTORY_TYPES)
        records = StateStore(repo, trusted.settings.state_dir).load_readable()[0].values()
        grants = [
            LiveGrant(r.grant_id, r.requester, r.resource, r.starts_at, r.expires_at)
            for r in records
            if r.status == "active"
        ]
        impact = gather_impact(
            github,
            pull,
            evaluation.files,
            (trusted.policies, base_files, base_settings),
            trusted.on_main,
            list(entries),
            grants,
            now,
        )
        github.upsert_comment(
            pull.number, IMPACT_MARKER, render_impact(impact, pull.number, pull.head_sha, now)
        )
    except JitError as exc:
        err.write(
            f"jit pr: warning: the policy impact comment on #{pull.number} was not updated: "
            f"{exc}. The PR's status is unaffected; the next run tries again.\n"
        )


def _annotations(plan: PrPlan) -> str:
    lines = []
    for finding in plan.all_findings:
        if finding.file.startswith("("):  # about the PR, not a file in it
            command = {"error": "error", "warning": "warning", "note": "notice"}[finding.severity]
            lines.append(f"::{command} title=jit {finding.code}::{escape_data(finding.message)}")
        else:
            lines.append(annotation(finding))
    return "".join(line + "\n" for line in lines)


def _error_status(github: GitHubPort, pull: PullInfo, exc: JitError) -> None:
    """Best effort: mark the head commit so nobody mistakes silence for a verdict."""
    text = " ".join(str(exc).split())
    description = f"jit could not judge this PR: {text}"
    with suppress(JitError):  # GitHub is failing; the run log has the first error
        github.set_status(pull.head_sha, "error", description[:140], STATUS_CONTEXT)


def _warn_base(findings: tuple[Finding, ...], err: TextIO) -> None:
    errors = [f for f in findings if f.is_error]
    if errors:
        err.write(
            f"jit pr: warning: the base branch's policies have {len(errors)} error(s); requests "
            "for the affected resources are refused. Run jit check on the base branch.\n"
        )
