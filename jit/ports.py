"""The seams between the pure core and the outside world, as small Protocols.

Adapters in ``jit/adapters/`` implement these; the core and the command runners only see the
Protocols, so tests can drive them against stateful fakes of the real HTTP services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from jit.model import GrantKind, Resource, Review

# --- GitHub -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PullInfo:
    number: int
    author: str
    head_sha: str
    base_ref: str  # "main"
    state: Literal["open", "closed"]
    merged: bool
    merge_commit_sha: str | None
    draft: bool = False
    from_fork: bool = False
    html_url: str = ""
    merged_at: datetime | None = None  # timezone-aware; None while not merged (or unknown)


@dataclass(frozen=True)
class PullFile:
    filename: str
    status: str  # added, removed, modified, renamed, copied, changed, unchanged
    previous_filename: str | None = None
    sha: str | None = None  # blob sha


@dataclass(frozen=True)
class FileAtRef:
    """A file's content at a commit, or what it is instead of a regular file."""

    path: str
    type: Literal["file", "symlink", "submodule", "dir", "missing"]
    content: bytes = b""
    sha: str | None = None


class GitHubPort(Protocol):
    """What jit asks of GitHub. Team lookups need an App token with Members: read."""

    def pull(self, number: int) -> PullInfo: ...
    def pull_files(self, number: int) -> Sequence[PullFile]: ...
    def reviews(self, number: int) -> Sequence[Review]: ...
    def pull_pushers(self, number: int) -> frozenset[str]:
        """Lower-cased logins of the authors and committers of the PR's commits, without
        GitHub's ``web-flow``. Raises ``JitError`` when GitHub cannot list them all."""
        ...

    def active_team_members(self, team: str, logins: Sequence[str]) -> frozenset[str]:
        """Of ``logins``, those who are *active* members of ``org/slug``."""
        ...

    def file_at(self, path: str, ref: str) -> FileAtRef: ...
    def pulls_for_commit(self, sha: str) -> Sequence[PullInfo]: ...
    def open_pull_for_head(self, sha: str) -> PullInfo | None:
        """The open pull request whose head commit is ``sha``, from forks too (where
        ``pulls_for_commit`` finds nothing: the commit is not in the base repository)."""
        ...

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        """Edit the one comment carrying ``marker`` (a hidden HTML comment), or create it."""
        ...

    def comment(self, number: int, body: str) -> None: ...
    def set_status(self, sha: str, state: str, description: str, context: str) -> None: ...
    def request_reviewers(self, number: int, users: Sequence[str], teams: Sequence[str]) -> None:
        """Request reviews; users and team slugs already requested are skipped."""
        ...

    def ssh_keys(self, login: str) -> Sequence[str]: ...


# --- git ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who a commit is by (author and committer): the bot, from the settings."""

    name: str
    email: str


# --- grant backends (Vault, Kubernetes) ---------------------------------------------------


@dataclass(frozen=True)
class GrantOrder:
    """What to issue for one approved request. Names derived from ``grant_id`` are deterministic."""

    grant_id: str  # DNS-1123 safe, e.g. "alice-incident-4711-3f2a9c1b"
    request_id: str
    requester: str
    resource: Resource
    pr: int
    starts_at: datetime
    expires_at: datetime

    @property
    def ttl_seconds(self) -> int:
        return max(1, int((self.expires_at - self.starts_at).total_seconds()))


@dataclass(frozen=True)
class Issued:
    """The outcome of issuing. ``handle`` is recorded; ``wrap_token`` is a secret and never is."""

    kind: GrantKind
    handle: Mapping[str, str]  # e.g. {"accessor": ...}, {"lease_id": ...}, {"group": ...}
    wrap_token: str | None = field(default=None, repr=False)
    wrap_ttl: int | None = None
    details: Mapping[str, object] = field(default_factory=dict)  # non-secret facts
    #: When the service itself ends the access, as it reports it (a token's or lease's TTL
    #: from the moment of issue); None when it does not end it by itself (a group).
    ends_at: datetime | None = None


RevokeOutcome = Literal["revoked", "already-gone"]


class GrantBackend(Protocol):
    """Issues, finds, revokes and checks one or more grant kinds. Every call is idempotent
    where the service allows it; failures raise ``jit.errors.OperationalError``."""

    def issue(self, order: GrantOrder) -> Issued: ...
    def find(self, order: GrantOrder) -> Issued | None:
        """Recover the handle of an earlier issue (after a crash) by deterministic name/metadata."""
        ...

    def revoke(self, kind: GrantKind, handle: Mapping[str, str]) -> RevokeOutcome: ...
    def is_live(self, kind: GrantKind, handle: Mapping[str, str]) -> bool: ...


class RequesterPort(Protocol):
    """What the requester's commands ask of GitHub, with the requester's own token."""

    def login(self) -> str: ...
    def team_access(self, team: str, login: str) -> bool | int:
        """Active membership of ``org/slug``; GitHub's HTTP status (403, 404) when the token
        may not read the team."""
        ...

    def create_pull(self, title: str, body: str, head: str, base: str) -> PullInfo: ...
    def open_pulls_by(self, login: str) -> Sequence[PullInfo]: ...
    def pull_files(self, number: int) -> Sequence[PullFile]: ...
    def approval_status(self, sha: str, context: str) -> tuple[str, str] | None: ...
