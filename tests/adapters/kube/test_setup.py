"""The documented Kubernetes set-up (docs/setup/jit-rbac.yaml and the Vault steps) is enough
for jit, and no more than it needs."""

from __future__ import annotations

import hvac
import pytest
import responses

from jit.adapters.kube.backend import KubeBackend, token_provider
from jit.adapters.vault.client import VaultHttp
from jit.errors import OperationalError
from jit.model import KubernetesCluster
from tests.adapters.kube import admin
from tests.adapters.kube.conftest import SERVER, TOKEN, order
from tests.fakes.kube import FakeCluster, FakeKubernetes
from tests.fakes.vault import FakeVault


def test_the_documented_role_lets_jit_do_its_work(
    backend: KubeBackend, cluster: FakeCluster
) -> None:
    cluster.tokens[TOKEN] = admin.jit_access()
    orders = [
        order(),
        order(grant_id="bob-dev-00000000", role="payments-dev", role_kind="Role"),
        order(grant_id="carol-view-11111111", namespace=None),
    ]
    issued = [backend.issue(o) for o in orders]
    assert len(backend.list_managed("prod")) == 3
    for one, grant in zip(orders, issued, strict=True):
        assert backend.find(one) == grant
        assert backend.revoke(grant.kind, grant.handle) == "revoked"


def test_the_documented_role_cannot_grant_other_roles(
    backend: KubeBackend, cluster: FakeCluster
) -> None:
    cluster.tokens[TOKEN] = admin.jit_access()
    with pytest.raises(
        OperationalError,
        match=r'attempting to grant RBAC permissions.*"bind" on ClusterRole "cluster-admin"',
    ):
        backend.issue(order(role="cluster-admin"))
    assert cluster.rolebindings == {}


def test_the_manifest_binds_jit_and_lets_vault_mint_only_its_token() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in admin.manifest()}
    assert docs[("ClusterRoleBinding", "jit-granter")]["subjects"] == [
        {"kind": "ServiceAccount", "name": "jit-granter", "namespace": "jit"}
    ]
    assert docs[("Role", "vault-token-creator")]["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["serviceaccounts/token"],
            "verbs": ["create"],
            "resourceNames": ["jit-granter"],
        }
    ]
    verbs = {verb for verb, _ in admin.jit_access().verbs or ()}
    assert verbs == {"get", "list", "create", "delete"}


def test_jit_uses_a_short_lived_token_from_vault(
    fake_vault: FakeVault, vault_rsps: responses.RequestsMock
) -> None:
    root = hvac.Client(url=fake_vault.address, token=fake_vault.root_token)
    admin.configure(root)
    job = root.auth.token.create(policies=["jit-kube"], ttl="30m")["auth"]["client_token"]
    vault = VaultHttp(hvac.Client(url=fake_vault.address, token=job))
    kube = FakeKubernetes(vault_rsps)
    cluster = kube.add_cluster("prod", namespaces=("payments", "jit"), token=None)
    cluster.authenticator = lambda token: (
        admin.jit_access() if token in fake_vault.issued_secrets else None
    )

    def write(path: str, body: object) -> dict[str, object]:
        return vault.call("POST", path, body=body, idempotent=False) or {}  # type: ignore[arg-type]

    settings = KubernetesCluster(
        "prod",
        SERVER,
        ca_data="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        vault_credentials=admin.CREDS_PATH,
        vault_namespace="jit",
    )
    backend = KubeBackend({"prod": settings}, token_provider(write))
    issued = backend.issue(order())
    assert backend.is_live(issued.kind, issued.handle)
    creds = [r for r in fake_vault.requests if r.path.endswith(admin.CREDS_PATH)]
    assert len(creds) == 1  # one short-lived token for the whole run
    assert creds[0].body == {"ttl": "15m", "kubernetes_namespace": "jit"}
    minted = fake_vault.issued_secrets[-1]
    assert {r.authorization for r in kube.requests} == {f"Bearer {minted}"}
