"""``jit reconcile`` and ``jit drift``: wire the environment to the adapters, run, report.

Environment (all optional except where a grant needs it):

- ``JIT_GITHUB_TOKEN`` or ``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``: GitHub;
- ``JIT_GIT_PUSH_TOKEN``: pushes the audit commit (a GitHub App token on main's bypass list);
- ``VAULT_ADDR``, ``VAULT_NAMESPACE``, ``VAULT_TOKEN`` or GitHub OIDC (``JIT_VAULT_ROLE`` ...);
- ``GITHUB_ACTIONS``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_RUN_ID``, ``GITHUB_RUN_ATTEMPT``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from jit.adapters.actions import write_summary
from jit.adapters.git import Git
from jit.audit.store import AuditLog
from jit.commands.reconcile_wiring import Seams, context
from jit.errors import EXIT_FINDINGS, EXIT_OK, EXIT_OPERATIONAL, JitError
from jit.findings import Finding
from jit.model import Request
from jit.parse.repository import REQUESTS_README, RepoSnapshot, load_repo, request_files
from jit.ports import Identity
from jit.reconcile import summary as render
from jit.reconcile.changes import Committer
from jit.reconcile.drift import check_records, find_unrecorded
from jit.reconcile.run import Parsed, execute, plan_run
from jit.reconcile.runtime import Report
from jit.redact import log_line

TRACKED = ("requests", "state", "audit")


def run(repo: Path, dry_run: bool, push: bool, *, seams: Seams) -> int:
    """Grant, revoke, commit and push; ``seams`` carries the environment, clock and output."""
    git = Git(repo, push_token=seams.env.get("JIT_GIT_PUSH_TOKEN") or None)
    if not dry_run:
        _check_checkout(git, push)
    snapshot = _load(repo, seams.env)
    ctx = context(repo, snapshot, git, seams, lazy_github=dry_run)
    parsed = parsed_requests(repo, snapshot)
    if dry_run:
        plan, _ = plan_run(ctx, parsed)
        seams.out.write(render.plan_text(plan))
        seams.out.write("".join(f"  note: {log_line(n)}\n" for n in ctx.report.notes))
        return EXIT_OK
    committer = Committer(
        git=git,
        store=ctx.store,
        audit=lambda root: AuditLog(root, snapshot.settings.audit_dir),
        author=Identity(snapshot.settings.bot_name, snapshot.settings.bot_email),
        audit_dir=snapshot.settings.audit_dir,
        push=push,
        run_id=ctx.run_id,
    )
    result = execute(ctx, committer, parsed)
    _publish(result, seams)
    return result.exit_code()


#: What ``jit drift`` says after a backend it could not reach or that refused it.
UNCHECKED_FIX = (
    "Drift was not fully checked: fix the access above (VAULT_ADDR and the Vault login or "
    "policy; the cluster's server, token and RBAC in policies/settings.yaml), then run jit "
    "drift again. `jit doctor` checks each piece (docs/admin.md)."
)


def run_drift(repo: Path, fmt: str, *, seams: Seams) -> int:
    """Report drift without changing anything: exit 1 when there is any, 4 when a backend
    could not be reached or refused jit (a check that did not happen is not a clean bill),
    0 only when every recorded grant and every cluster was actually checked."""
    snapshot = _load(repo, seams.env)
    ctx = context(repo, snapshot, Git(repo), seams, lazy_github=True)
    records = ctx.store.load()
    unchecked: list[str] = []
    items = check_records(ctx, records.values(), unchecked)
    items += find_unrecorded(ctx, records, unchecked)
    if fmt == "json":
        payload = {
            "drift": [i.as_dict() for i in items],
            "unchecked": [log_line(u) for u in unchecked],
            "notes": ctx.report.notes,
        }
        seams.out.write(json.dumps(payload, indent=2) + "\n")
    else:
        lines = [f"jit drift: {len(items)} finding(s) over {len(records)} recorded grant(s)"]
        lines += [f"  - {i.what}: {i.message}" for i in items]
        lines += [f"  not checked: {log_line(u)}" for u in unchecked]
        lines += [f"  note: {n}" for n in ctx.report.notes]
        if unchecked:
            lines.append(UNCHECKED_FIX)
        seams.out.write("\n".join(lines) + "\n")
    if unchecked:
        return EXIT_OPERATIONAL
    return EXIT_FINDINGS if items else EXIT_OK


def parsed_requests(repo: Path, snapshot: RepoSnapshot) -> Parsed:
    """Every file under requests/ with its parsed request (None with errors) and findings."""
    by_path = {r.path: r for r in snapshot.requests}
    parsed: dict[str, tuple[Request | None, list[Finding]]] = {}
    for file in request_files(repo):
        if file.path == REQUESTS_README:
            continue
        findings = [f for f in snapshot.findings if f.file == file.path]
        parsed[file.path] = (by_path.get(file.path), findings)
    return parsed


def _load(repo: Path, env: Mapping[str, str]) -> RepoSnapshot:
    snapshot = load_repo(repo, env)
    broken = [f for f in snapshot.findings if f.is_error and not f.file.startswith("requests/")]
    if any(f.file.endswith("settings.yaml") for f in broken):
        raise JitError(
            "policies/settings.yaml has errors, so jit will not grant or revoke with guessed "
            "settings: " + "; ".join(f.as_text() for f in broken[:5]) + ". Fix it on main."
        )
    return snapshot


def _check_checkout(git: Git, push: bool) -> None:
    if git.is_shallow():
        raise JitError(
            "the checkout is shallow, so jit cannot find the commits that added request files. "
            "Check out with full history (actions/checkout: fetch-depth: 0)."
        )
    dirty = git.dirty(list(TRACKED))
    if dirty:
        raise JitError(
            f"the checkout has uncommitted changes under {', '.join(TRACKED)} ({dirty[0]}, ...): "
            "jit commits there. Commit or discard them first (a run that died leaves them; "
            "start from a fresh checkout)."
        )
    if push:
        git.fetch()
        if git.unpushed():
            raise JitError(
                f"the checkout has commits that are not on {git.remote}/{git.branch}: jit "
                f"records what it does on top of the remote branch. Run it in a fresh checkout "
                f"of {git.branch}."
            )
        git.reset_to_remote()  # a fast-forward: main may have moved since the checkout


def _publish(result: Report, seams: Seams) -> None:
    seams.out.write(render.text(result))
    if seams.env.get("GITHUB_ACTIONS") == "true":
        seams.out.write(render.workflow_commands(result))
    write_summary(seams.env.get("GITHUB_STEP_SUMMARY"), render.markdown(result))
