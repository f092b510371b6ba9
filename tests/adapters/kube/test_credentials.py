"""Where the Kubernetes bearer token comes from, and how the cluster's CA is trusted."""

from __future__ import annotations

import base64
import gc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from jit.adapters.kube.backend import KubeBackend, token_from_env, token_from_vault, token_provider
from jit.errors import OperationalError
from jit.model import KubernetesCluster
from tests.adapters.kube.conftest import SERVER, TOKEN, order
from tests.fakes.kube import FakeCluster, FakeKubernetes

PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----"
VIA_VAULT = KubernetesCluster(
    "prod", SERVER, vault_credentials="kubernetes/creds/jit-granter", vault_namespace="jit"
)


class VaultCreds:
    """Stands in for the Vault adapter's write(path, body): counts calls, hands out tokens."""

    def __init__(self, response: Mapping[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []
        self.response = response

    def __call__(self, path: str, body: Mapping[str, object]) -> Mapping[str, Any]:
        self.calls.append((path, dict(body)))
        if self.response is not None:
            return self.response
        token = f"sa-token-{len(self.calls)}"
        return {
            "lease_id": f"{path}/abc",
            "lease_duration": 900,
            "data": {"service_account_token": token},
        }


def test_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = KubernetesCluster("prod", SERVER, token_env="KUBE_TOKEN_PROD")
    monkeypatch.setenv("KUBE_TOKEN_PROD", " secret-kube-token\n")
    assert token_from_env(cluster) == "secret-kube-token"
    monkeypatch.setenv("KUBE_TOKEN_PROD", "")
    with pytest.raises(OperationalError, match="KUBE_TOKEN_PROD is unset or empty") as caught:
        token_from_env(cluster)
    assert caught.value.retryable is False
    with pytest.raises(OperationalError, match="has no `token_env`"):
        token_from_env(KubernetesCluster("prod", SERVER))


def test_token_from_vault_asks_for_a_short_token_and_reuses_it() -> None:
    vault = VaultCreds()
    now = [1000.0]
    token_for = token_from_vault(vault, clock=lambda: now[0])
    assert token_for(VIA_VAULT) == "sa-token-1"
    now[0] += 719  # 80% of the 900 s lease has not passed
    assert token_for(VIA_VAULT) == "sa-token-1"
    now[0] += 2
    assert token_for(VIA_VAULT) == "sa-token-2"
    assert vault.calls == [
        ("kubernetes/creds/jit-granter", {"ttl": "15m", "kubernetes_namespace": "jit"}),
        ("kubernetes/creds/jit-granter", {"ttl": "15m", "kubernetes_namespace": "jit"}),
    ]


def test_token_from_vault_accepts_a_bare_data_answer() -> None:
    cluster = KubernetesCluster("prod", SERVER, vault_credentials="kubernetes/creds/jit")
    vault = VaultCreds({"service_account_token": "bare"})
    now = [0.0]
    token_for = token_from_vault(vault, clock=lambda: now[0])
    assert token_for(cluster) == "bare"
    assert vault.calls == [("kubernetes/creds/jit", {"ttl": "15m"})]
    now[0] = 599.0
    token_for(cluster)
    now[0] = 601.0
    token_for(cluster)
    assert len(vault.calls) == 2


def test_token_from_vault_errors() -> None:
    with pytest.raises(OperationalError, match="returned no service_account_token"):
        token_from_vault(VaultCreds({"data": {"username": "x"}}))(VIA_VAULT)
    with pytest.raises(OperationalError, match="has no `vault_credentials`"):
        token_from_vault(VaultCreds())(KubernetesCluster("prod", SERVER))


def test_token_provider_prefers_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBE_TOKEN", "from-env")
    both = KubernetesCluster(
        "prod", SERVER, token_env="KUBE_TOKEN", vault_credentials="kubernetes/creds/jit"
    )
    assert token_provider(VaultCreds())(both) == "sa-token-1"
    assert token_provider(None)(both) == "from-env"
    with pytest.raises(OperationalError, match="no Vault connection in this run"):
        token_provider(None)(VIA_VAULT)


def test_backend_with_a_vault_issued_token(cluster: FakeCluster) -> None:
    cluster.add_token("sa-token-1")
    backend = KubeBackend({"prod": VIA_VAULT}, token_provider(VaultCreds()))
    assert backend.issue(order()).handle["name"] == "jit-alice-incident-4711-3f2a9c1b"


def test_http_servers_are_refused(cluster: FakeCluster) -> None:
    backend = KubeBackend(
        {"prod": KubernetesCluster("prod", "http://k8s-prod.fake:6443")}, lambda _c: TOKEN
    )
    with pytest.raises(OperationalError, match="is not an https:// URL") as caught:
        backend.find(order())
    assert caught.value.retryable is False


def verify_used(fake: FakeKubernetes, ca: dict[str, str]) -> object:
    backend = KubeBackend({"prod": KubernetesCluster("prod", SERVER, **ca)}, lambda _c: TOKEN)
    backend.find(order())
    return fake.requests[-1].verify


def test_ca_file_is_passed_to_tls_verification(
    fake_kube: FakeKubernetes, cluster: FakeCluster
) -> None:
    assert verify_used(fake_kube, {"ca_file": "/etc/jit/prod-ca.pem"}) == "/etc/jit/prod-ca.pem"
    # no CA configured: requests' own trust store (True, or the bundle path it resolves to)
    system = verify_used(fake_kube, {})
    assert system is True or "jit-ca-" not in str(system)


@pytest.mark.parametrize(
    "ca_data", [PEM, base64.b64encode(PEM.encode()).decode()], ids=["pem", "base64"]
)
def test_ca_data_is_written_to_a_private_temp_file(
    fake_kube: FakeKubernetes, cluster: FakeCluster, ca_data: str
) -> None:
    backend = KubeBackend(
        {"prod": KubernetesCluster("prod", SERVER, ca_data=ca_data)}, lambda _c: TOKEN
    )
    backend.find(order())
    verify = fake_kube.requests[-1].verify
    assert isinstance(verify, str)
    assert Path(verify).read_text() == PEM + "\n"
    assert Path(verify).stat().st_mode & 0o077 == 0
    del backend
    gc.collect()
    assert not Path(verify).exists()


def test_ca_data_that_is_not_pem_is_refused(cluster: FakeCluster) -> None:
    backend = KubeBackend(
        {"prod": KubernetesCluster("prod", SERVER, ca_data="not a cert!")}, lambda _c: TOKEN
    )
    with pytest.raises(OperationalError, match="`ca_data` is neither PEM nor base64 of PEM"):
        backend.find(order())


@pytest.mark.parametrize(
    ("cluster_settings", "origin"),
    [
        (VIA_VAULT, "the Vault Kubernetes secrets engine path 'kubernetes/creds/jit-granter'"),
        (KubernetesCluster("prod", SERVER), "the cluster's `token_env` or `vault_credentials`"),
    ],
)
def test_unauthorized_says_where_the_token_came_from(
    cluster: FakeCluster, cluster_settings: KubernetesCluster, origin: str
) -> None:
    backend = KubeBackend({"prod": cluster_settings}, lambda _c: "stale")
    with pytest.raises(OperationalError, match="401 Unauthorized") as caught:
        backend.find(order())
    assert origin in str(caught.value)
