"""``jit status``: my active grants (time left, how each ends), my pending requests (open PRs
adding request files, with their ``jit/approval`` status) and my recent revocations.

The grants and revocations come from the checkout (``state/grants/``, the audit log): keep it
up to date with ``git pull``. Only the pending requests need GitHub; without a token they are
skipped, and the output says so. Exit codes: 0 shown; 2 usage (no ``--user`` and no token to
tell who I am); 4 GitHub failed (everything else is still shown).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.errors import EXIT_OK, EXIT_OPERATIONAL, JitError, OperationalError, UsageError
from jit.parse.repository import load_policies
from jit.parse.values import Problem, check_login
from jit.ports import RequesterPort
from jit.requester.standing import (
    Standing,
    grants,
    pending_view,
    render_json,
    render_text,
    revocations,
)

APPROVAL = "jit/approval"


def run(
    repo: Path,
    user: str | None,
    fmt: str,
    *,
    github: Callable[[], RequesterPort],
    now: datetime,
    out: TextIO,
) -> int:
    from jit.audit.store import AuditLog
    from jit.reconcile.state import StateStore

    if not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory")
    if user is not None and isinstance(check_login(user, "--user"), Problem):
        raise UsageError(f"--user {user!r} is not a GitHub login")
    client: RequesterPort | None = None
    skipped: str | None = None
    try:
        client = github()
    except JitError as exc:
        skipped = f"no GitHub token, so open pull requests were not read ({exc})"
    if user is None:
        if client is None:
            raise UsageError(f"pass --user LOGIN to see someone's access offline; {skipped}")
        user = client.login()
    _policies, settings, _ = load_policies(repo, {})
    records, damaged = StateStore(repo, settings.state_dir).load_readable()
    log = AuditLog(repo, settings.audit_dir)
    problems = [f"state/grants/{gid}.json cannot be read: {why}" for gid, why in damaged.items()]
    code = EXIT_OK
    pending = []
    if client is not None:
        try:
            for pr in client.open_pulls_by(user):
                files = [(f.filename, f.status) for f in client.pull_files(pr.number)]
                status = client.approval_status(pr.head_sha, APPROVAL)
                view = pending_view(pr.number, pr.html_url, files, status)
                if view is not None:
                    pending.append(view)
        except OperationalError as exc:
            skipped, code = f"GitHub failed: {exc}", EXIT_OPERATIONAL
    standing = Standing(
        user=user,
        grants=tuple(grants(records.values(), user, now)),
        revocations=tuple(revocations(log.entries(("granted", "revoked")), user, now)),
        pending=tuple(pending),
        pending_skipped=skipped,
        problems=tuple(problems),
    )
    out.write(render_json(standing) if fmt == "json" else render_text(standing))
    return code
