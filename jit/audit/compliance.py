"""The grant checks of ``jit audit verify``, fed entry by entry during the chain walk. Pure.

- every ``granted`` names a merged PR (``pr``, ``merge_commit``) and its approval
  (``approvers``, or ``auto_approved``);
- every grant has exactly one ``revoked``, after its ``granted``; or it is still active and
  unexpired (``expires_at`` plus a grace period for the sweep, which runs every few minutes).

Lines are read without a JSON parser (several times faster; see bench/audit_bench.py). That
is exact for the lines ``AuditLog.append`` writes: keys are sorted, a string cannot hold an
unescaped quote, and the only nested object, ``handle`` (flat strings), sorts just before
``hash``. So members sorting before ``handle`` are found from the start of the line, members
after it from ``"hash"`` on. Only the open grants' lines are kept (and parsed, at the end).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from jit.audit.canon import format_ts, parse_ts
from jit.audit.chain import EntryHook

_COMMIT = re.compile(rb"[0-9a-f]{7,64}")


@dataclass(frozen=True)
class Violation:
    where: str  # "audit/2026/11.jsonl:14"
    grant_id: str | None
    message: str  # a sentence

    def as_text(self) -> str:
        return f"{self.where}: {self.message}"


class GrantLedger:
    """Collects grants and revocations from intact entries; ``finish`` judges the open ones."""

    def __init__(self) -> None:
        self.open: dict[bytes, tuple[str, bytes]] = {}  # grant id -> (where, granted line)
        self.closed: set[bytes] = set()
        self.failures: dict[bytes, str] = {}  # grant id -> last revoke error
        self.violations: list[Violation] = []
        self.revocations = 0

    @property
    def hooks(self) -> dict[str, EntryHook]:
        return {"granted": self.granted, "revoked": self.revoked, "revoke-failed": self.failed}

    @property
    def granted_count(self) -> int:
        return len(self.open) + len(self.closed)

    def granted(self, file: str, line_no: int, line: bytes) -> None:
        where = f"{file}:{line_no}"
        grant_id = _text(line, b'"grant_id":"', 0)
        name = _name(grant_id)
        if not grant_id:
            return self._flag(where, None, "the granted entry names no grant_id.")
        if grant_id in self.open or grant_id in self.closed:
            return self._flag(where, name, f"grant {name} is granted a second time.")
        after = line.find(b'"hash":"')
        pr = _text(line, b'"pr":', after, b",")
        if pr is None or not pr.isdigit() or pr.startswith(b"0"):
            self._flag(where, name, f"grant {name} records no merged PR (pr is {_show(pr)}).")
        commit = _text(line, b'"merge_commit":"', after)
        if commit is None or not _COMMIT.fullmatch(commit):
            self._flag(where, name, f"grant {name} records no merge commit ({_show(commit)}).")
        if not line.startswith(b'{"approvers":['):
            self._flag(where, name, f"grant {name} has no list of approvers.")
        elif line[14:15] == b"]" and line.find(b'"auto_approved":true', 0, after) < 0:
            self._flag(
                where, name, f"grant {name} records no approval: no approvers, not auto-approved."
            )
        self.open[grant_id] = (where, line)

    def revoked(self, file: str, line_no: int, line: bytes) -> None:
        where = f"{file}:{line_no}"
        self.revocations += 1
        grant_id = _text(line, b'"grant_id":"', 0) or b""
        name = _name(grant_id)
        if grant_id in self.open:
            del self.open[grant_id]
            self.closed.add(grant_id)
        elif grant_id in self.closed:
            self._flag(where, name, f"grant {name} is revoked a second time.")
        else:
            self._flag(where, name, f"revokes grant {name}, which has no granted entry before it.")

    def failed(self, file: str, line_no: int, line: bytes) -> None:
        entry = json.loads(line)
        self.failures[str(entry.get("grant_id")).encode()] = str(entry.get("error"))[:200]

    def finish(self, now: datetime, grace: int) -> int:
        """Flag open grants past ``expires_at + grace``; return how many are still active."""
        active = 0
        for grant_id, (where, line) in self.open.items():
            entry = json.loads(line)
            name = _name(grant_id)
            try:
                expires_at = parse_ts(str(entry.get("expires_at")))
            except ValueError:
                self._flag(where, name, f"grant {name} has no valid expires_at.")
                continue
            if now < expires_at + timedelta(seconds=grace):
                active += 1
                continue
            failure = self.failures.get(grant_id)
            self._flag(
                where,
                name,
                f"grant {name} ({entry.get('resource')} for {entry.get('requester')}) expired at "
                f"{format_ts(expires_at)} and has no revoked entry: access may still be live. "
                "Run `jit reconcile` and check Vault or Kubernetes."
                + (f" The last revoke attempt failed: {failure}" if failure else ""),
            )
        return active

    def _flag(self, where: str, grant_id: str | None, message: str) -> None:
        self.violations.append(Violation(where, grant_id, message))


def _text(line: bytes, key: bytes, start: int, stop: bytes = b'"') -> bytes | None:
    i = line.find(key, start)
    if i < 0:
        return None
    i += len(key)
    return line[i : line.find(stop, i)]


def _name(grant_id: bytes | None) -> str:
    return (grant_id or b"").decode("utf-8", "replace")


def _show(value: bytes | None) -> str:
    return "missing" if value is None else repr(value.decode("utf-8", "replace"))
