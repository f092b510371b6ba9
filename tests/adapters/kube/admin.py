"""The Kubernetes set-up an admin does for jit: the RBAC manifest (``docs/setup/jit-rbac.yaml``),
the ``kubectl`` commands, and the Vault commands for jit's short-lived cluster token. The admins'
guide (``docs/admin.md``) shows exactly these (tests/docs checks it); the tests turn the manifest
into the fake cluster's permissions and replay the Vault steps on the fake Vault, so the
documented set-up is the tested one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac
import yaml

from tests.fakes.kube import Access

SETUP = Path(__file__).resolve().parents[3] / "docs" / "setup"
MANIFEST = SETUP / "jit-rbac.yaml"
JIT_USER = "system:serviceaccount:jit:jit-granter"
CREDS_PATH = "kubernetes/creds/jit-granter"
POLICY = (SETUP / "jit-kube.hcl").read_text(encoding="utf-8")

#: The kubectl commands of the guide, in its order. Not replayed: the fake cluster takes its
#: permissions from the manifest (``jit_access``).
KUBECTL = (
    "kubectl create namespace jit",
    "kubectl apply -f docs/setup/jit-rbac.yaml",
    "kubectl auth can-i create rolebindings -n orders --as=system:serviceaccount:jit:jit-granter",
    "kubectl auth can-i bind clusterroles/view --as=system:serviceaccount:jit:jit-granter",
    "kubectl auth can-i bind clusterroles/cluster-admin --as=system:serviceaccount:jit:jit-granter",
    "kubectl create namespace vault",
    "kubectl -n vault create serviceaccount vault",
    "kubectl -n vault create token vault --duration=8760h > vault-sa.jwt",
    "kubectl config view --raw --minify -o "
    "jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > ca.crt",
)


def manifest() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")) if doc]


def jit_access() -> Access:
    """jit-granter's permissions, read from the manifest's ClusterRole (cluster-wide, since a
    ClusterRoleBinding grants it)."""
    role = next(
        d
        for d in manifest()
        if d["kind"] == "ClusterRole" and d["metadata"]["name"] == "jit-granter"
    )
    verbs: set[tuple[str, ...]] = set()
    bind: set[str] = set()
    for rule in role["rules"]:
        for resource in rule["resources"]:
            for verb in rule["verbs"]:
                if verb == "bind":
                    # a cluster-wide grant: a Role of that name may be bound in any namespace
                    kind = "ClusterRole" if resource == "clusterroles" else "Role/*"
                    bind.update(f"{kind}/{name}" for name in rule["resourceNames"])
                else:
                    verbs.add((verb, resource))
    return Access(JIT_USER, frozenset(verbs), frozenset(bind))


@dataclass(frozen=True)
class Step:
    cli: str
    path: str | None = None  # None: nothing to replay on the fake (the mount exists already)
    body: dict[str, Any] | None = None


VAULT_STEPS = [
    Step("vault secrets enable kubernetes"),
    Step(
        "vault write kubernetes/config kubernetes_host=https://k8s.prod-eu.example.com:6443 "
        "kubernetes_ca_cert=@ca.crt service_account_jwt=@vault-sa.jwt"
    ),
    Step(
        "vault write kubernetes/roles/jit-granter service_account_name=jit-granter "
        "allowed_kubernetes_namespaces=jit token_default_ttl=15m token_max_ttl=1h",
        "kubernetes/roles/jit-granter",
        {
            "service_account_name": "jit-granter",
            "allowed_kubernetes_namespaces": ["jit"],
            "token_default_ttl": "15m",
            "token_max_ttl": "1h",
        },
    ),
    Step(
        "vault policy write jit-kube docs/setup/jit-kube.hcl",
        "sys/policies/acl/jit-kube",
        {"policy": POLICY},
    ),
]


def configure(root: hvac.Client) -> None:
    for step in VAULT_STEPS:
        if step.path is not None:
            root.adapter.post(f"/v1/{step.path}", json=step.body)
