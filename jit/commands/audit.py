"""``jit audit verify`` and ``jit audit report``.

verify exits 0 only when the chain is intact and ends at ``HEAD``, every committed ``HEAD`` in
git history is on it (when run in a git work tree), every grant names its merged PR and
approval, and every grant was revoked exactly once or is still active (``expires_at`` plus
``grace``). Otherwise it names each problem, the first broken entry first, and exits 1.
report prints one row per grant whose access window overlaps ``--since``/``--until``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from jit.audit.report import TYPES, Filters, build_rows, parse_bound, select
from jit.audit.store import AuditLog
from jit.audit.verify import Verification, verify_log
from jit.errors import EXIT_FINDINGS, EXIT_OK, JitError, UsageError

#: Default grace after ``expires_at`` before an unrevoked grant is a violation: the sweep runs
#: every 5 minutes, and GitHub may start a scheduled run late.
DEFAULT_GRACE = 15 * 60


def run_verify(
    repo: Path,
    *,
    git: bool | None = None,
    grace: int = DEFAULT_GRACE,
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """Verify the audit log of ``repo``. ``git``: check committed ``HEAD`` checkpoints (None:
    when ``repo`` is a git work tree). Prints what was checked and every problem to ``out``."""
    out = out or sys.stdout
    log = AuditLog(repo, _audit_dir(repo))
    history, notes = _history(repo, log, git)
    result = verify_log(log, now=now or _now(), grace=grace, history=history)
    out.write(describe(result, log, [*notes, *result.notes]))
    return EXIT_OK if result.ok else EXIT_FINDINGS


def run_report(
    repo: Path,
    since: str | None,
    until: str | None,
    resource: str | None,
    user: str | None,
    fmt: str,
    *,
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """Print the grants of ``repo``'s audit log that match the filters, in ``fmt``."""
    from jit.audit.render import render

    out = out or sys.stdout
    filters = Filters(_bound(since, "--since", end=False), _bound(until, "--until", end=True),
                      resource, user)  # fmt: skip
    if filters.since and filters.until and filters.since > filters.until:
        raise UsageError(f"--since {since} is after --until {until}; swap them")
    if fmt not in ("md", "csv", "json"):
        raise UsageError(f"--format {fmt!r} is not one of md, csv, json")
    moment = now or _now()
    log = AuditLog(repo, _audit_dir(repo))
    rows = select(build_rows(log.entries(TYPES), moment, filters.wanted), filters, moment)
    out.write(render(rows, fmt))
    return EXIT_OK


def describe(result: Verification, log: AuditLog, notes: list[str]) -> str:
    """What verify checked and found, one line each, problems marked ``FAIL``."""
    chain, head = result.chain, log.recorded_head()
    lines = [f"{log.audit_dir}/: {chain.count:,} intact entries in {result.files} month files"]
    if chain.first_broken is not None:
        lines.append(f"FAIL {chain.first_broken.as_text()}")
    elif head is None:
        lines.append("ok   the log is empty (no entries, no HEAD)")
    else:
        lines.append(f"ok   the hash chain is intact and ends at HEAD (seq {head.seq}, "
                     f"{head.hash[:16]}...)")  # fmt: skip
    if (
        result.checkpoints is not None
        and chain.first_broken is None
        and not (result.checkpoint_problems)
    ):
        lines.append(f"ok   all {result.checkpoints} committed versions of HEAD in git history "
                     "are on this chain")  # fmt: skip
    lines.extend(f"FAIL {v.as_text()}" for v in result.violations)
    lines.append(f"{'ok  ' if result.ok else 'info'} {result.granted:,} grants, "
                 f"{result.revoked:,} revocations, {result.active:,} active and unexpired")  # fmt: skip
    lines.extend(f"note {note}" for note in notes)
    problems = len(result.violations) + (chain.first_broken is not None)
    lines.append("verified: every check holds" if result.ok else
                 f"NOT verified: {problems} problem(s) listed above")  # fmt: skip
    return "\n".join(lines) + "\n"


def _history(
    repo: Path, log: AuditLog, git: bool | None
) -> tuple[list[tuple[str, bytes]] | None, list[str]]:
    from jit.adapters import git_history

    if git is False:
        return None, ["git history not checked (--no-git)"]
    if not git_history.in_work_tree(repo):
        if git:
            raise JitError(f"--git: {repo} is not in a git work tree; run in a clone or drop --git")
        return None, [f"git history not checked: {repo} is not a git work tree"]
    notes = []
    if git_history.is_shallow(repo):
        notes.append("shallow clone: only the fetched history was checked (fetch-depth: 0)")
    return git_history.file_versions(repo, f"{log.audit_dir}/HEAD"), notes


def _audit_dir(repo: Path) -> str:
    from jit.parse import parse_settings
    from jit.parse.repository import SETTINGS, read_file
    from jit.parse.yaml.loader import MAX_BYTES

    raw = read_file(repo, SETTINGS, MAX_BYTES) if (repo / SETTINGS).exists() else None
    if not isinstance(raw, bytes | None):
        raise JitError(raw.as_text())
    settings, problems = parse_settings(SETTINGS, raw, {})
    errors = [p for p in problems if p.is_error]
    if errors:
        raise JitError(f"reading where the audit log lives: {errors[0].as_text()}")
    return settings.audit_dir


def _bound(text: str | None, flag: str, *, end: bool) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_bound(text, end=end)
    except ValueError:
        raise UsageError(
            f"{flag} {text!r} is not a date or time; write 2026-11-01 or 2026-11-01T09:00:00Z"
        ) from None


def _now() -> datetime:
    from jit.adapters.clock import now

    return now()
