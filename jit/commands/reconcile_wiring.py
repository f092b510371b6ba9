"""Wiring for ``jit reconcile`` and ``jit drift``: the environment to GitHub, Vault and
Kubernetes adapters, connected only when a grant needs them, and the run's context."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO, cast

from jit.adapters.actions import add_mask
from jit.adapters.git import Git
from jit.model import GrantKind, Settings
from jit.parse.repository import RepoSnapshot
from jit.ports import GitHubPort, GrantBackend
from jit.reconcile.deliverer import SshDeliverer
from jit.reconcile.runtime import Report, RunContext
from jit.reconcile.state import StateStore


@dataclass
class Seams:
    """The outermost seams: what tests replace (a fake clock, fakes behind the HTTP clients)."""

    env: Mapping[str, str]
    clock: Callable[[], datetime]
    out: TextIO = field(default_factory=lambda: sys.stdout)
    sleep: Callable[[float], None] = time.sleep  # backoff between retries

    @classmethod
    def default(cls, env: Mapping[str, str], out: TextIO) -> Seams:
        """The real clock and backoff, with the environment and output the caller passes."""
        from jit.adapters.clock import now

        return cls(env=dict(env), clock=now, out=out)


def context(
    repo: Path, snapshot: RepoSnapshot, git: Git, seams: Seams, *, lazy_github: bool
) -> RunContext:
    from jit.adapters.github.client import GitHubClient

    env, settings = seams.env, snapshot.settings
    github: GitHubPort = (
        cast(GitHubPort, _LazyGitHub(lambda: GitHubClient.from_env(env)))
        if lazy_github
        else GitHubClient.from_env(env)
    )
    in_actions = env.get("GITHUB_ACTIONS") == "true"

    def mask(secret: str) -> None:
        if in_actions and secret:
            seams.out.write(add_mask(secret) + "\n")
            seams.out.flush()

    backends = _Backends(settings, env, mask, seams)
    run_id = (
        f"{env['GITHUB_RUN_ID']}-{env.get('GITHUB_RUN_ATTEMPT', '1')}"
        if env.get("GITHUB_RUN_ID")
        else uuid.uuid4().hex[:12]
    )
    return RunContext(
        root=repo,
        settings=settings,
        policies=snapshot.policies,
        github=github,
        backend=backends.get,
        git=git,
        store=StateStore(repo, settings.state_dir),
        clock=seams.clock,
        deliverer=SshDeliverer(
            github,
            env.get("VAULT_ADDR") or settings.vault.address or "",
            env.get("VAULT_NAMESPACE") or settings.vault.namespace,
            settings.vault.wrap_ttl,
            seams.clock,
        ),
        run_id=run_id,
        mask=mask,
        report=Report(),
        policy_errors=tuple(
            f for f in snapshot.findings if f.is_error and f.file.startswith("policies/")
        ),
    )


class _Backends:
    """Connects to Vault and Kubernetes only when a grant of theirs needs it."""

    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str],
        mask: Callable[[str], None],
        seams: Seams,
    ) -> None:
        self.settings, self.env, self.mask, self.seams = settings, env, mask, seams
        self._vault: GrantBackend | None = None
        self._kube: GrantBackend | None = None
        self._vault_client: object | None = None

    def _client(self) -> object:
        if self._vault_client is None:
            from jit.adapters.vault import connect

            self._vault_client = connect(
                self.settings.vault, self.env, mask=self.mask, sleep=self.seams.sleep
            )
        return self._vault_client

    def get(self, kind: GrantKind) -> GrantBackend:
        if kind == "kubernetes-rolebinding":
            if self._kube is None:
                from jit.adapters.kube.backend import KubeBackend, token_provider

                write = None
                if self.env.get("VAULT_ADDR") or self.settings.vault.address:
                    write = self._vault_write
                self._kube = KubeBackend(
                    self.settings.kubernetes,
                    token_provider(write, mask=self.mask),
                    sleep=self.seams.sleep,
                )
            return self._kube
        if self._vault is None:
            from jit.adapters.vault import VaultBackend

            self._vault = VaultBackend(
                self._client(), self.settings.vault, now=self.seams.clock, sleep=self.seams.sleep
            )
        return self._vault

    def _vault_write(self, path: str, body: Mapping[str, object]) -> Mapping[str, object]:
        from jit.adapters.vault.client import VaultHttp

        http = VaultHttp(self._client(), sleep=self.seams.sleep)
        answer = http.call("POST", path, body=dict(body))
        return answer or {}


class _LazyGitHub:
    """A GitHub port built on first use (``--dry-run`` and ``jit drift`` may never need it)."""

    def __init__(self, make: Callable[[], GitHubPort]) -> None:
        self._make = make
        self._port: GitHubPort | None = None

    def __getattr__(self, name: str) -> object:
        if self._port is None:
            self._port = self._make()
        return getattr(self._port, name)
