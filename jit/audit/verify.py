"""``jit audit verify``: the chain, the layout, the git checkpoints and the grant checks.

Files are read whole, one month at a time, and checked as raw bytes (see ``chain``); only
``granted``, ``revoked`` and ``revoke-failed`` entries are parsed as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jit.audit.chain import ChainWalker, Head, VerifyResult
from jit.audit.compliance import GrantLedger, Violation
from jit.audit.store import AuditLog


@dataclass(frozen=True)
class Verification:
    chain: VerifyResult
    files: int
    violations: tuple[Violation, ...]  # layout, git history and grant checks
    granted: int
    revoked: int
    active: int
    checkpoints: int | None  # committed HEADs checked; None: git history not used
    notes: tuple[str, ...] = ()
    checkpoint_problems: int = 0  # of the violations, how many are about git history

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.violations


def verify_log(
    log: AuditLog,
    *,
    now: datetime,
    grace: int = 900,
    history: Sequence[tuple[str, bytes]] | None = None,
) -> Verification:
    """Verify ``log``. ``history``: ``(commit, content of HEAD)`` newest first, from git."""
    violations: list[Violation] = []
    notes: list[str] = []
    head_rel = f"{log.audit_dir}/HEAD"
    checkpoints = None if history is None else _checkpoints(history, head_rel, violations)
    checkpoint_problems = len(violations)
    for stray in log.stray_files():
        violations.append(
            Violation(
                stray,
                None,
                "is not where the log lives (YYYY/MM.jsonl); nothing in it "
                "is checked or reported. Move its entries back or delete it.",
            )
        )
    ledger = GrantLedger()
    walker = ChainWalker(hooks=ledger.hooks, checkpoints=checkpoints)
    files = log.month_files()
    end = (head_rel, 1)
    for month_file in files:
        data = month_file.path.read_bytes()
        walker.feed(month_file.rel, data, month_file.month)
        end = (month_file.rel, data.count(b"\n") + 1)
    result = walker.finish(log.recorded_head(), where=end)
    active = ledger.finish(now, grace) if result.ok else 0
    if not result.ok:
        notes.append("grant checks cover only the entries before the break")
    violations.extend(ledger.violations)
    return Verification(
        chain=result,
        files=len(files),
        violations=tuple(violations),
        granted=ledger.granted_count,
        revoked=ledger.revocations,
        active=active,
        checkpoints=None if checkpoints is None else len(history or ()),
        notes=tuple(notes),
        checkpoint_problems=checkpoint_problems,
    )


def _checkpoints(
    history: Sequence[tuple[str, bytes]], head_rel: str, violations: list[Violation]
) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for commit, raw in history:
        origin = f"commit {commit[:12]}"
        try:
            data = json.loads(raw)
            head = Head(data["seq"], data["hash"])
            if type(head.seq) is not int or not isinstance(head.hash, str):
                raise ValueError(head)
        except (ValueError, KeyError, TypeError):
            violations.append(
                Violation(f"{head_rel} @ {commit[:12]}", None, "is not a readable checkpoint.")
            )
            continue
        if head.seq in found and found[head.seq][0] != head.hash:
            violations.append(
                Violation(
                    f"{head_rel} @ {commit[:12]}",
                    None,
                    f"records a different entry at seq {head.seq} than "
                    f"{found[head.seq][1]}: the log was rewritten between those commits.",
                )
            )
            continue
        found.setdefault(head.seq, (head.hash, origin))
    return found


def as_record(result: Verification, head: Head | None, notes: Sequence[str]) -> dict[str, object]:
    """What ``jit audit verify --format json`` prints: plain data, stable member names."""
    broken = result.chain.first_broken
    return {
        "ok": result.ok,
        "entries": result.chain.count,
        "files": result.files,
        "head": None if head is None else {"seq": head.seq, "hash": head.hash},
        "chain_intact": result.chain.ok,
        "first_broken": None
        if broken is None
        else {
            "file": broken.file,
            "line": broken.line_no,
            "seq": broken.seq,
            "reason": broken.reason,
            "message": broken.message,
        },
        "checkpoints_checked": result.checkpoints,
        "problems": [
            {"where": v.where, "grant_id": v.grant_id, "message": v.message}
            for v in result.violations
        ],
        "grants": result.granted,
        "revocations": result.revoked,
        "active": result.active,
        "notes": list(notes),
    }
