"""Fixtures for the Vault adapter tests: a fake Vault set up as docs/admin.md says, a GitHub OIDC
issuer, the Actions token endpoint, a logged-in ``VaultBackend`` and grant orders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import hvac
import pytest
import responses

from jit.adapters.vault import VaultBackend, connect
from jit.model import (
    GrantSpec,
    KubernetesRoleBinding,
    Principal,
    Resource,
    VaultCredentials,
    VaultGroup,
    VaultSettings,
    VaultToken,
)
from jit.ports import GrantOrder
from tests.adapters.vault import admin
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import ActionsTokenEndpoint, GitHubOIDC
from tests.fakes.vault import FakeVault
from tests.fakes.vault.plugin import fake_clock, fake_vault, vault_rsps

__all__ = ["fake_clock", "fake_vault", "vault_rsps"]

SPECS: dict[str, GrantSpec] = {
    "vault-token": VaultToken(policies=("db-orders-read",)),
    "vault-credentials": VaultCredentials(path="database/creds/orders-readonly"),
    "vault-group": VaultGroup(policies=("db-orders-read",)),
    "kubernetes-rolebinding": KubernetesRoleBinding(
        cluster="prod", namespace="prod", role="view", role_kind="ClusterRole", subject="{login}"
    ),
    "k8s-credentials": VaultCredentials(
        path="kubernetes/creds/prod-view", parameters={"kubernetes_namespace": "prod"}
    ),
}


@pytest.fixture
def oidc(fake_clock: FakeClock) -> GitHubOIDC:
    return GitHubOIDC(fake_clock, repository=admin.REPOSITORY, workflow=admin.WORKFLOW)


@pytest.fixture
def actions(vault_rsps: responses.RequestsMock, oidc: GitHubOIDC) -> ActionsTokenEndpoint:
    return ActionsTokenEndpoint(vault_rsps, oidc)


@pytest.fixture
def vault(fake_vault: FakeVault, oidc: GitHubOIDC) -> FakeVault:
    """The fake Vault after the admin set-up of docs/admin.md."""
    fake_vault.jwks[oidc.issuer] = oidc.jwks()
    admin.configure(fake_vault)
    return fake_vault


@pytest.fixture
def root(vault: FakeVault) -> hvac.Client:
    return hvac.Client(url=vault.address, token=vault.root_token)


@pytest.fixture
def settings() -> VaultSettings:
    return VaultSettings(auth_role="jit", oidc_audience=admin.AUDIENCE)


@pytest.fixture
def env(vault: FakeVault, actions: ActionsTokenEndpoint) -> dict[str, str]:
    return {"VAULT_ADDR": vault.address, **actions.env}


@pytest.fixture
def masked() -> list[str]:
    return []


@pytest.fixture
def new_run(
    vault: FakeVault,
    env: dict[str, str],
    settings: VaultSettings,
    fake_clock: FakeClock,
    masked: list[str],
) -> Callable[[], VaultBackend]:
    """A new jit run: a fresh OIDC login (the last run's job token may have expired)."""

    def start() -> VaultBackend:
        client = connect(settings, env, mask=masked.append, sleep=fake_clock.sleep)
        return VaultBackend(client, settings, sleep=fake_clock.sleep, now=fake_clock.now)

    return start


@pytest.fixture
def backend(new_run: Callable[[], VaultBackend]) -> VaultBackend:
    return new_run()


@dataclass
class Orders:
    clock: FakeClock
    count: int = 0

    def __call__(
        self, kind: str = "vault-token", *, hours: float = 2, requester: str = "alice"
    ) -> GrantOrder:
        self.count += 1
        spec = SPECS[kind]
        resource = Resource(
            id=f"{kind}-resource",
            description="test resource",
            grant=spec,
            eligible=(Principal(requester),),
            max_duration=86400,
            source="policies/vault.yaml",
            line=3,
        )
        start = self.clock.now()
        return GrantOrder(
            grant_id=f"{requester}-incident-{self.count:08x}",
            request_id=f"requests/{requester}/incident-{self.count}",
            requester=requester,
            resource=resource,
            pr=40 + self.count,
            starts_at=start,
            expires_at=start + timedelta(hours=hours),
        )


@pytest.fixture
def order(fake_clock: FakeClock) -> Callable[..., GrantOrder]:
    return Orders(fake_clock)
