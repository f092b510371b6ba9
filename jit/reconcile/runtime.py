"""What one reconcile run works with (ports, settings, the clock) and what it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from jit.errors import EXIT_FINDINGS, EXIT_OK, EXIT_OPERATIONAL
from jit.model import DeliveryFallback, GrantKind, Policies, Resource, Settings
from jit.ports import GitHubPort, GrantBackend, GrantOrder, Issued
from jit.reconcile.merge_checks import GitHistory
from jit.reconcile.state import GrantRecord, StateStore

#: Kinds whose issue yields a secret to deliver; the others (a Vault group, a Kubernetes
#: binding) are adopted as they are when a crashed run left them behind.
SECRET_KINDS: frozenset[GrantKind] = frozenset({"vault-token", "vault-credentials"})
#: Kinds whose credential Vault itself ends at ``expires_at`` (TTL, explicit max TTL).
TTL_KINDS: frozenset[GrantKind] = frozenset({"vault-token", "vault-credentials"})


@dataclass(frozen=True)
class DeliveryPlan:
    """How a secret reaches the requester, decided before anything is issued."""

    method: str  # as the audit names it: "age-ssh", "wrapping-token", "refused" or "none"
    fingerprints: tuple[str, ...] = ()  # of the public keys encrypted to
    chosen: object | None = None  # the delivery module's own plan


class RunGit(GitHistory, Protocol):
    """What a run asks of main's checkout besides committing (``jit.adapters.git.Git``)."""

    def added_commits(self, prefix: str) -> dict[str, str]:
        """For each file under ``prefix`` on ``HEAD``: the newest commit that added it."""
        ...

    def deleting_commit(self, path: str) -> str | None:
        """The newest commit on ``HEAD`` that deleted ``path``, if any."""
        ...


class Deliverer(Protocol):
    def plan(self, login: str, fallback: DeliveryFallback) -> DeliveryPlan:
        """Fetch the requester's public SSH keys and choose the delivery method."""
        ...

    def comment(self, plan: DeliveryPlan, record: GrantRecord, issued: Issued) -> str:
        """The PR comment that delivers ``issued`` (encrypting its wrapping token)."""
        ...

    def refusal(self, plan: DeliveryPlan, grant_id: str, requester: str, resource: str) -> str:
        """The PR comment saying why nothing was issued: no usable key, fallback refuse."""
        ...

    def marker(self, grant_id: str) -> str: ...


@dataclass
class Report:
    """What happened, as sentences for stdout and the job summary. Never a secret."""

    granted: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # waits for a fix on main (exit 1)
    notes: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    lags: list[int] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)

    def exit_code(self) -> int:
        if self.failed:
            return EXIT_OPERATIONAL
        return EXIT_FINDINGS if self.denied or self.blocked else EXIT_OK


@dataclass
class RunContext:
    root: Path
    settings: Settings
    policies: Policies
    github: GitHubPort
    backend: Callable[[GrantKind], GrantBackend]
    git: RunGit
    store: StateStore
    clock: Callable[[], datetime]
    deliverer: Deliverer
    run_id: str
    branch: str = "main"
    mask: Callable[[str], None] = lambda _secret: None
    report: Report = field(default_factory=Report)

    def resource(self, record: GrantRecord) -> Resource | None:
        return self.policies.resources.get(record.resource)

    def order(self, record: GrantRecord, resource: Resource) -> GrantOrder:
        """The order for ``record``; never longer than recorded, even when issued late."""
        now = self.clock()
        return GrantOrder(
            grant_id=record.grant_id,
            request_id=record.request_id,
            requester=record.requester,
            resource=resource,
            pr=record.pr,
            starts_at=max(now, record.starts_at) if now < record.expires_at else record.starts_at,
            expires_at=record.expires_at,
        )

    def fallback(self, resource: Resource) -> DeliveryFallback:
        return resource.delivery_fallback or self.settings.delivery_fallback
