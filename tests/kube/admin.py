"""The Kubernetes set-up an admin does for jit: the RBAC manifest (``data/jit-rbac.yaml``) and
the Vault commands for jit's short-lived cluster token. The README quotes both; the tests turn
the manifest into the fake cluster's permissions and replay the Vault steps on the fake Vault,
so the documented set-up is the tested one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac
import yaml

from tests.fakes.kube import Access

MANIFEST = Path(__file__).parent / "data" / "jit-rbac.yaml"
JIT_USER = "system:serviceaccount:jit:jit-granter"
CREDS_PATH = "kubernetes/creds/jit-granter"
POLICY = 'path "kubernetes/creds/jit-granter" {\n  capabilities = ["update"]\n}\n'


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
        "vault write kubernetes/config kubernetes_host=https://<api-server>:6443 "
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
        "vault policy write jit-kube jit-kube.hcl", "sys/policies/acl/jit-kube", {"policy": POLICY}
    ),
]


def configure(root: hvac.Client) -> None:
    for step in VAULT_STEPS:
        if step.path is not None:
            root.adapter.post(f"/v1/{step.path}", json=step.body)
