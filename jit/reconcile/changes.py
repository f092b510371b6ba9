"""A run's results as re-appliable changes, committed once and pushed with re-derivation.

Each ``Change`` says what it writes (audit payloads, records, closed records, retired request
files) and, in its ``Guard``, on which state it still makes sense. When a push is rejected
because another run pushed first, the checkout is reset to the remote, every change is checked
against its guard on that newer state, and the ones still needed are applied again: the audit
entries are re-chained after the remote's head. So two racing runs never record one thing
twice, never fork the chain, and never lose an entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from jit.errors import OperationalError
from jit.model import GrantKind
from jit.ports import Identity
from jit.reconcile.state import GrantRecord, StateStore

PUSH_ATTEMPTS = 6


class CommitGit(Protocol):
    """What the committer asks of the checkout (``jit.adapters.git.Git`` in production)."""

    def added_commits(self, prefix: str) -> dict[str, str]: ...
    def rm(self, paths: Sequence[str]) -> None: ...
    def add(self, paths: Sequence[str]) -> None: ...
    def commit(self, message: str, author: Identity, when: datetime) -> str | None:
        """Commit what is staged; None when nothing is."""
        ...

    def push(self) -> str:
        """``pushed``, or ``rejected`` when the remote moved on (fetch and redo)."""
        ...

    def fetch(self) -> None: ...
    def reset_to_remote(self) -> None: ...


class AuditAppender(Protocol):
    def append(
        self, payloads: Sequence[Mapping[str, object]], now: datetime
    ) -> list[dict[str, object]]: ...


@dataclass(frozen=True)
class Guard:
    """When a change still applies.

    ``states``: None, no condition on the record; empty, the record must not exist; else the
    record must exist in one of these states (and, with ``owner``, belong to that run).
    ``file``: this request file must still exist.
    """

    grant_id: str | None = None
    states: frozenset[str] | None = None
    owner: str | None = None
    file: str | None = None

    def holds(self, records: Mapping[str, GrantRecord], root: Path) -> bool:
        if self.file is not None and not (root / self.file).is_file():
            return False
        if self.states is None or self.grant_id is None:
            return True
        record = records.get(self.grant_id)
        if not self.states:
            return record is None
        if record is None or record.status not in self.states:
            return False
        return self.owner is None or record.run_id == self.owner


@dataclass(frozen=True)
class Change:
    action: str  # "intent", "claim", "grant", "grant-failed", "close", "revoke", ...
    summary: str  # one line for the commit body; no secrets, no newlines
    guard: Guard
    audit: tuple[Mapping[str, object], ...] = ()
    write: tuple[GrantRecord, ...] = ()
    close: tuple[str, ...] = ()  # grant ids whose records are deleted
    retire: tuple[str, ...] = ()  # request files removed from requests/
    #: Retire them only while this commit is the one that added them on main: a file withdrawn
    #: and added again at the same path is another request, which must stay.
    retire_if_added_by: str | None = None
    request_id: str | None = None
    grant_id: str | None = None
    pr: int | None = None
    #: Issued by this run and not yet recorded: if the change is dropped, the caller must
    #: revoke it unless the remote records the same handle.
    issued: tuple[GrantKind, Mapping[str, str]] | None = field(default=None, compare=False)
    #: A PR comment to post once the change has landed: (PR number, marker, body).
    comment: tuple[int, str, str] | None = field(default=None, compare=False)
    #: For the run's report once the change has landed: (section, sentence); and the
    #: revocation lag it measured, if any.
    report: tuple[str, str] | None = field(default=None, compare=False)
    lag: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Committed:
    landed: tuple[Change, ...]
    dropped: tuple[Change, ...]
    commit: str | None
    attempts: int


@dataclass
class Committer:
    """Applies changes to one checkout, commits them as the bot, pushes with re-derivation."""

    git: CommitGit
    store: StateStore
    audit: Callable[[Path], AuditAppender]
    author: Identity
    audit_dir: str
    push: bool
    run_id: str
    attempts: int = PUSH_ATTEMPTS

    def commit(self, subject: str, changes: Sequence[Change], now: datetime) -> Committed:
        todo = self._needed(changes)
        sha = self._apply(subject, todo, now)
        if not self.push or sha is None:
            return Committed(tuple(todo), _minus(changes, todo), sha, 1)
        for attempt in range(1, self.attempts + 1):
            if self.git.push() == "pushed":
                return Committed(tuple(todo), _minus(changes, todo), sha, attempt)
            self.git.fetch()
            self.git.reset_to_remote()
            todo = self._needed(changes)
            sha = self._apply(subject, todo, now)
            if sha is None:
                return Committed((), tuple(changes), None, attempt)
        raise OperationalError(
            f"pushing the {subject!r} commit: the remote moved on {self.attempts} time(s) in a row. "
            "Nothing is lost: the next run re-derives and records it."
        )

    def _needed(self, changes: Sequence[Change]) -> list[Change]:
        records = self.store.load_some(c.guard.grant_id for c in changes if c.guard.grant_id)
        return [c for c in changes if c.guard.holds(records, self.store.root)]

    def _apply(self, subject: str, changes: Sequence[Change], now: datetime) -> str | None:
        if not changes:
            return None
        writes = self.store.write(r for c in changes for r in c.write)
        closes = [self.store.rel_path(g) for c in changes for g in c.close]
        retire = self._retirable(changes)
        self.git.rm(sorted(set(closes + retire)))
        payloads = [p for c in changes for p in c.audit]
        if payloads:
            self.audit(self.store.root).append(payloads, now)
        self.git.add([*writes, self.audit_dir] if payloads else writes)
        return self.git.commit(message(subject, changes, self.run_id), self.author, now)

    def _retirable(self, changes: Sequence[Change]) -> list[str]:
        pairs = [(p, c.retire_if_added_by) for c in changes for p in c.retire]
        added = self.git.added_commits("requests/") if any(a for _, a in pairs) else {}
        return [p for p, by in pairs if by is None or added.get(p, by) == by]


def _minus(changes: Sequence[Change], kept: Sequence[Change]) -> tuple[Change, ...]:
    ids = {id(c) for c in kept}
    return tuple(c for c in changes if id(c) not in ids)


def message(subject: str, changes: Sequence[Change], run_id: str) -> str:
    """``jit: <subject>``, one line per change, then trailers (repeated per grant)."""
    lines = [f"jit: {subject}", ""]
    lines += [f"- {_one_line(c.summary)}" for c in changes]
    lines += ["", f"Jit-Run: {_one_line(run_id)}"]
    for c in changes:
        if c.request_id:
            lines.append(f"Jit-Request: {_one_line(c.request_id)}")
        if c.grant_id:
            lines.append(f"Jit-Grant: {_one_line(c.grant_id)}")
        if c.pr is not None:
            lines.append(f"Jit-PR: {c.pr}")
    return "\n".join(_dedupe(lines)) + "\n"


def _dedupe(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in lines:
        if line.startswith("Jit-") and line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
