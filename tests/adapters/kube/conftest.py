"""Fixtures for the Kubernetes fake and backend tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jit.adapters.kube.backend import KubeBackend
from jit.model import KubernetesCluster, KubernetesRoleBinding, Principal, Resource
from jit.ports import GrantOrder
from tests.fakes.kube import FakeCluster, FakeKubernetes, fake_kube
from tests.fakes.vault.plugin import fake_clock, fake_vault, vault_rsps

# fixtures, imported so pytest finds them
__all__ = ["fake_clock", "fake_kube", "fake_vault", "vault_rsps"]

SERVER = "https://k8s-prod.fake:6443"
TOKEN = "kube-token-9f8e7d"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cluster(fake_kube: FakeKubernetes) -> FakeCluster:
    prod = fake_kube.add_cluster("prod", namespaces=("payments", "default"), token=None)
    prod.add_token(TOKEN)
    return prod


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def backend(cluster: FakeCluster, sleeps: list[float]) -> KubeBackend:
    settings = {"prod": KubernetesCluster(name="prod", server=SERVER, token_env="KUBE_TOKEN")}
    return KubeBackend(settings, lambda _c: TOKEN, sleep=sleeps.append)


def order(
    *,
    grant_id: str = "alice-incident-4711-3f2a9c1b",
    namespace: str | None = "payments",
    role: str = "view",
    role_kind: str = "ClusterRole",
    subject_kind: str = "User",
    cluster: str = "prod",
    requester: str = "alice",
) -> GrantOrder:
    spec = KubernetesRoleBinding(
        cluster=cluster,
        namespace=namespace,
        role=role,
        role_kind=role_kind,  # type: ignore[arg-type]
        subject="{login}@example.com",
        subject_kind=subject_kind,  # type: ignore[arg-type]
    )
    resource = Resource(
        id="k8s-payments-view",
        description="Read payments",
        grant=spec,
        eligible=(Principal("alice"),),
        max_duration=14400,
    )
    return GrantOrder(
        grant_id=grant_id,
        request_id=f"requests/{requester}/incident-4711",
        requester=requester,
        resource=resource,
        pr=42,
        starts_at=START,
        expires_at=START + timedelta(hours=2),
    )
