"""One world for reconcile tests: a bare git remote, fake GitHub, Vault and Kubernetes, and a
fake clock, wired to ``jit reconcile`` exactly as the workflow wires it (through the
environment), with the clock injected at the outermost seam.

    world = World(tmp_path, monkeypatch)
    pr = world.request("alice", "db", "db-read")     # PR, approval, merge (GitHub and git)
    result = world.run()                               # a fresh checkout, then jit reconcile
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ed25519

from jit.audit.store import AuditLog
from jit.audit.verify import Verification, verify_log
from jit.commands import reconcile as command
from jit.reconcile.state import GrantRecord, StateStore
from tests.adapters.vault import admin
from tests.delivery.helpers import KeyPair, make_pair
from tests.fakes.clock import FakeClock
from tests.fakes.github import FakeGitHub
from tests.fakes.github_state import Pull
from tests.fakes.kube import FakeCluster, FakeKubernetes
from tests.fakes.oidc import ActionsTokenEndpoint, GitHubOIDC
from tests.fakes.vault import FakeVault
from tests.fakes.vault.plugin import vault_contract
from tests.reconcile.gitrepo import Remote

KUBE_TOKEN = "kube-granter-token-5a6b7c"
KUBE_TOKEN_ENV = "JIT_TEST_KUBE_TOKEN"

SETTINGS = """\
vault:
  address: https://vault.fake:8200
  auth_mount: jwt
  auth_role: jit
  oidc_audience: vault
  token_role: jit
  identity_mount: github
  wrap_ttl: 1h
kubernetes:
  clusters:
    prod-eu:
      server: https://k8s-prod-eu.fake:6443
      ca_data: |
        -----BEGIN CERTIFICATE-----
        MIIBfakefakefakefakefakefakefakefakefakefake
        -----END CERTIFICATE-----
      token_env: JIT_TEST_KUBE_TOKEN
delivery:
  fallback: refuse
revokers: [acme/security]
bot:
  login: jit-app[bot]
  name: jit-bot
  email: jit-bot@users.noreply.github.com
reminder_minutes: {reminder}
"""

RESOURCES = """\
resources:
  db-read:
    description: Read-only access to the orders database
    grant: {kind: vault-credentials, path: database/creds/orders-readonly}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
  db-token:
    description: A Vault token that reads the orders database
    grant: {kind: vault-token, policies: [db-orders-read], token_role: jit}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
  db-group:
    description: Membership of a Vault group that reads the orders database
    grant: {kind: vault-group, policies: [db-orders-read]}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
  db-token-plain:
    description: A Vault token delivered as a plain wrapping token when there is no SSH key
    grant: {kind: vault-token, policies: [db-orders-read], token_role: jit}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
    delivery_fallback: wrapping-token
  orders-debug:
    description: Edit rights in the orders namespace of prod-eu
    grant:
      kind: kubernetes-rolebinding
      cluster: prod-eu
      namespace: orders
      role: edit
      role_kind: ClusterRole
      subject: "{login}@example.com"
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
"""


@dataclass
class Result:
    code: int
    out: str
    root: Path  # the checkout the run worked in


class World:
    def __init__(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, reminder: int = 0
    ) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch
        self.clock = FakeClock()
        self.sleeps: list[float] = []
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.start()
        self.github = FakeGitHub()
        self.github.register(self.mock)
        monkeypatch.setattr("jit.adapters.github.retry.sleep", self.github.sleeps.append)
        self.vault = FakeVault(self.mock, clock=self.clock, contract=vault_contract())
        self.oidc = GitHubOIDC(self.clock, repository=admin.REPOSITORY, workflow=admin.WORKFLOW)
        self.vault.jwks[self.oidc.issuer] = self.oidc.jwks()
        self.actions = ActionsTokenEndpoint(self.mock, self.oidc)
        admin.configure(self.vault)
        self.kube = FakeKubernetes(self.mock, clock=self.clock.now)
        self.cluster: FakeCluster = self.kube.add_cluster(
            "prod-eu", namespaces=("orders",), token=KUBE_TOKEN
        )
        monkeypatch.setenv(KUBE_TOKEN_ENV, KUBE_TOKEN)
        self.keys: dict[str, KeyPair] = {}
        self.github.add_team("acme/engineering", ["alice", "bob"])
        self.github.add_team("acme/dba", ["carol", "dave"])
        self.github.add_team("acme/security", ["erin"])
        for login in ("alice", "bob"):
            self.add_key(login)
            self.vault.add_entity(login)
        self.remote = Remote(tmp_path / "git")
        self.remote.commit(
            {
                "README.md": "# access\n",
                "policies/settings.yaml": SETTINGS.format(reminder=reminder),
                "policies/resources.yaml": RESOURCES,
                "requests/README.md": "One file per request.\n",
            },
            "Initial commit",
        )
        self.outputs: list[str] = []

    def close(self) -> None:
        self.mock.stop()
        self.mock.reset()

    # --- people and requests ------------------------------------------------------------

    def add_key(self, login: str) -> KeyPair:
        pair = make_pair(ed25519.Ed25519PrivateKey.generate())
        self.keys[login] = pair
        self.github.user(login, keys=[pair.public])
        return pair

    def request_text(self, login: str, resource: str, duration: str, **extra: str) -> str:
        lines = [
            f"requester: {login}",
            f"resource: {resource}",
            f"duration: {duration}",
            "reason: Investigate INC-4711, slow queries on orders",
            *(f"{key}: {value}" for key, value in extra.items()),
        ]
        return "\n".join(lines) + "\n"

    def request(
        self,
        login: str,
        name: str,
        resource: str,
        duration: str = "2h",
        *,
        approver: str | None = "carol",
        **extra: str,
    ) -> Pull:
        """A request PR by ``login``, approved by ``approver`` on its head, merged."""
        path = f"requests/{login}/{name}.yaml"
        pr = self.github.add_pull(
            login, {path: self.request_text(login, resource, duration, **extra)}
        )
        if approver:
            self.github.add_review(pr, approver)
        self.merge(pr, {path: self.github.tree(pr.head_sha)[path].decode()})
        return pr

    def withdraw(self, login: str, name: str, *, by: str | None = None) -> Pull:
        path = f"requests/{login}/{name}.yaml"
        pr = self.github.add_pull(by or login, {path: None}, title="Withdraw")
        self.merge(pr, {path: None})
        return pr

    def merge(self, pr: Pull, files: Mapping[str, str | None]) -> str:
        """Merge on the fake GitHub and in git (a squash commit); the PR's merge sha is git's."""
        fake_sha = self.github.merge(pr)
        real_sha = self._alias(fake_sha, self.remote.commit(files, f"{pr.title} (#{pr.number})"))
        pr.merge_commit_sha = real_sha
        return real_sha

    def direct(self, files: Mapping[str, str | None], author: str = "admin") -> str:
        """A commit pushed straight to main (no PR), on GitHub and in git."""
        fake_sha = self.github.commit_to_main(dict(files), "Direct push", author)
        return self._alias(fake_sha, self.remote.commit(files, "Direct push"))

    def _alias(self, fake_sha: str, real_sha: str) -> str:
        commit = self.github.commits[fake_sha]
        self.github.commits[real_sha] = dataclasses.replace(commit, sha=real_sha)
        self.github.repo.branches[self.github.repo.default_branch] = real_sha
        return real_sha

    # --- running ------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **self.github.env(),
            **self.actions.env,
            "VAULT_ADDR": self.vault.address,
            "JIT_VAULT_ROLE": "jit",
            "JIT_VAULT_AUDIENCE": admin.AUDIENCE,
            **extra,
        }

    def run(self, *, push: bool = True, dry_run: bool = False, **env: str) -> Result:
        root = self.remote.clone()
        return self.run_in(root, push=push, dry_run=dry_run, **env)

    def run_in(self, root: Path, *, push: bool = True, dry_run: bool = False, **env: str) -> Result:
        out = io.StringIO()
        seams = command.Seams(
            env=self.env(**env), clock=self.clock.now, out=out, sleep=self.sleeps.append
        )
        code = command.run(root, dry_run, push, seams=seams)
        self.outputs.append(out.getvalue())
        return Result(code, out.getvalue(), root)

    def drift(self, fmt: str = "text") -> Result:
        root = self.remote.clone()
        out = io.StringIO()
        seams = command.Seams(
            env=self.env(), clock=self.clock.now, out=out, sleep=self.sleeps.append
        )
        return Result(command.run_drift(root, fmt, seams=seams), out.getvalue(), root)

    # --- looking ------------------------------------------------------------------------

    def checkout(self) -> Path:
        return self.remote.clone()

    def records(self) -> dict[str, GrantRecord]:
        return StateStore(self.checkout()).load()

    def audit(self) -> list[dict[str, object]]:
        return list(AuditLog(self.checkout()).entries())

    def verify(self) -> Verification:
        return verify_log(AuditLog(self.checkout()), now=self.clock.now())

    def types(self, grant_id: str | None = None) -> list[str]:
        return [
            str(e["type"])
            for e in self.audit()
            if grant_id is None or e.get("grant_id") == grant_id
        ]

    def live_tokens(self) -> list[str]:
        """Accessors of unexpired tokens that carry jit metadata (grants and holders)."""
        now = self.clock.now()
        return sorted(
            t.accessor
            for t in self.vault.tokens.all()
            if (t.meta or {}).get("jit_grant") and (t.expire_time is None or t.expire_time > now)
        )

    def live_leases(self) -> list[str]:
        now = self.clock.now()
        return sorted(lease.id for lease in self.vault.leases.all() if lease.ttl(now) > 0)

    def groups(self) -> list[str]:
        return sorted(g.name for g in self.vault.identity.groups.values())

    def bindings(self) -> list[str]:
        return sorted(name for _ns, name in self.cluster.rolebindings)

    def delivery(self, number: int) -> str:
        (body,) = [c.body for c in self.github.comments_on(number) if "jit:delivery" in c.body]
        return body

    def unwrap(self, login: str, number: int) -> dict[str, object]:
        """What the requester does: ``jit unwrap`` the delivery comment with their SSH key."""
        from jit.commands import unwrap

        folder = self.tmp / f"{login}-{number}-{len(self.outputs)}"
        folder.mkdir()
        key = self.keys[login].write(folder / "id_ed25519")
        comment = folder / "comment.txt"
        comment.write_text(self.delivery(number))
        out = folder / "secret.json"
        repo = self.checkout()  # the requester's clone of the access repository
        code = unwrap.run(key, out, "json", str(comment), vault_addr=self.vault.address, repo=repo)
        assert code == 0
        secret: dict[str, object] = json.loads(out.read_text())
        return secret

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())


@contextmanager
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: int) -> Iterator[World]:
    w = World(tmp_path, monkeypatch, **kwargs)
    try:
        yield w
    finally:
        w.close()
