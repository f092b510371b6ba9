"""``jit check``: validate request files and all policies offline, run the policy tests
(``policies/tests/*.yaml``, ``jit.policy.testing``), and report findings.

Exit codes: 0 no errors (warnings and notes are fine), 1 errors, 2 usage (a path outside
the repository, a bad --author). Offline there are no reviews and no team memberships, so
eligibility through a team is a note, and the hours window is judged for access starting
now or at ``not_before``; when access would start at merge, a time outside the window is
only a warning, because the pull-request check judges it again when it matters. A
``not_before`` in the past is fine: access starts at merge. Environment overrides of the
settings are not read, since they only change how jit reaches Vault.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO, cast

from jit.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from jit.findings import Finding
from jit.model import Context, Request
from jit.output import FORMATS, Format, render, summary
from jit.parse.repository import RepoSnapshot, load_policy_tests, load_repo, relative
from jit.parse.values import Problem, check_login


def run(
    repo: Path,
    author: str | None,
    fmt: str,
    paths: tuple[Path, ...],
    *,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check ``paths`` (default: every request) and all policies of ``repo``; print the
    findings in ``fmt`` to ``out`` and a one-line summary to ``err``. A flag or path it
    cannot use raises ``UsageError``."""
    out, err = out or sys.stdout, err or sys.stderr
    _check_usage(repo, author, fmt, paths)
    if now is None:
        from jit.adapters.clock import now as clock

        now = clock()
    snapshot = load_repo(repo, {}, list(paths) or None)
    findings = list(snapshot.findings) + judge(snapshot, Context(now=now, pr_author=author))
    findings.extend(policy_tests(repo, snapshot))
    findings.sort(key=lambda f: (f.file, f.line or 0, f.column or 0, f.code))
    out.write(render(findings, cast(Format, fmt)))
    out.flush()
    err.write(summary(findings, len(snapshot.files), len(snapshot.policies.resources)) + "\n")
    err.flush()
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK


def judge(snapshot: RepoSnapshot, ctx: Context) -> list[Finding]:
    """The policy engine's findings for every parsed request, offline."""
    from jit.policy.engine import evaluate

    findings: list[Finding] = []
    for request in snapshot.requests:
        if request.resource in snapshot.policies.invalid:
            findings.append(_policy_broken(request))
            continue
        decision = evaluate(request, snapshot.policies, ctx)
        findings.extend(_offline(f, request, ctx.now) for f in decision.findings)
    return findings


def policy_tests(repo: Path, snapshot: RepoSnapshot) -> list[Finding]:
    """Findings for ``policies/tests/*.yaml``: files that do not read, and failing cases."""
    from jit.policy.testing import run_cases

    cases, findings = load_policy_tests(repo)
    return findings + run_cases(cases, snapshot.policies)


def _offline(finding: Finding, request: Request, now: datetime) -> Finding:
    starts_at_merge = request.not_before is None or request.not_before <= now
    if finding.code == "outside-hours" and finding.is_error and starts_at_merge:
        return replace(
            finding,
            severity="warning",
            message=finding.message
            + " (checked for access starting now; the pull-request check judges the time "
            "it is merged)",
        )
    return finding


def _policy_broken(request: Request) -> Finding:
    return Finding(
        request.path,
        request.line_of("resource"),
        request.column_of("resource"),
        "resource-policy-invalid",
        "error",
        f"the policy of {request.resource} has errors (reported for policies/), so it cannot "
        "be granted until the policy owners fix them",
    )


def _check_usage(repo: Path, author: str | None, fmt: str, paths: Sequence[Path]) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory")
    login = check_login(author, "--author") if author is not None else None
    if isinstance(login, Problem):
        raise UsageError(login.message)
    for path in paths:
        if relative(repo, path) is None:
            raise UsageError(
                f"{path} is not inside the repository {repo}; paths are relative to the "
                "current directory"
            )
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path} does not exist")


__all__ = ["Format", "judge", "policy_tests", "run"]
