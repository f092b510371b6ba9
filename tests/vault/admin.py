"""The Vault set-up an admin does for jit, as ``vault`` CLI commands and the HTTP they send.

One list serves both the README (``cli``) and the tests, which replay ``path``/``body`` on the
fake Vault with a root token: the set-up the README documents is the set-up jit is tested
against, and the contract check covers the admin's request bodies too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac

from tests.fakes.oidc import ISSUER
from tests.fakes.vault import FakeVault

DATA = Path(__file__).parent / "data"
REPOSITORY = "acme/access"
WORKFLOW = "jit.yml"
AUDIENCE = "vault"


def policy_text(name: str) -> str:
    return (DATA / f"{name}.hcl").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Step:
    cli: str
    path: str | None = None  # None: the fake has it already (a mount), or it is off-line
    body: dict[str, Any] | None = None


def jwt_role(repository: str = REPOSITORY, workflow: str = WORKFLOW) -> dict[str, Any]:
    ref = f"{repository}/.github/workflows/{workflow}@refs/heads/main"
    return {
        "role_type": "jwt",
        "user_claim": "repository",
        "bound_audiences": [AUDIENCE],
        "bound_claims_type": "string",
        "bound_claims": {
            "repository": repository,
            "ref": "refs/heads/main",
            "job_workflow_ref": ref,
        },
        "token_policies": ["jit-job"],
        "token_no_default_policy": True,
        "token_ttl": "30m",
        "token_max_ttl": "1h",
    }


def steps(repository: str = REPOSITORY) -> list[Step]:
    return [
        Step("vault auth enable jwt"),
        Step(
            f"vault write auth/jwt/config oidc_discovery_url={ISSUER} bound_issuer={ISSUER}",
            "auth/jwt/config",
            {"oidc_discovery_url": ISSUER, "bound_issuer": ISSUER},
        ),
        Step(
            "vault policy write jit-job jit-job.hcl",
            "sys/policies/acl/jit-job",
            {"policy": policy_text("jit-job")},
        ),
        Step(
            "vault policy write jit-credentials jit-credentials.hcl",
            "sys/policies/acl/jit-credentials",
            {"policy": policy_text("jit-credentials")},
        ),
        Step(
            "vault policy write db-orders-read db-orders-read.hcl",
            "sys/policies/acl/db-orders-read",
            {"policy": policy_text("db-orders-read")},
        ),
        Step(
            "vault write auth/jwt/role/jit @jit-role.json",
            "auth/jwt/role/jit",
            jwt_role(repository),
        ),
        Step(
            "vault write auth/token/roles/jit allowed_policies=db-orders-read,jit-credentials "
            "orphan=true renewable=false token_explicit_max_ttl=2160h",
            "auth/token/roles/jit",
            {
                "allowed_policies": ["db-orders-read", "jit-credentials"],
                "orphan": True,
                "renewable": False,
                "token_explicit_max_ttl": "2160h",
            },
        ),
        Step("vault secrets enable database"),
        Step(
            "vault write database/config/orders plugin_name=postgresql-database-plugin "
            "allowed_roles=orders-readonly connection_url='postgresql://{{username}}:{{password}}"
            "@db.internal:5432/orders' username=vault password=...",
            "database/config/orders",
            {"plugin_name": "postgresql-database-plugin", "allowed_roles": ["orders-readonly"]},
        ),
        Step(
            "vault write database/roles/orders-readonly db_name=orders "
            'creation_statements="CREATE ROLE \\"{{name}}\\" WITH LOGIN PASSWORD \'{{password}}\' '
            "VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
            '\\"{{name}}\\";" default_ttl=24h max_ttl=72h',
            "database/roles/orders-readonly",
            {
                "db_name": "orders",
                "creation_statements": ['CREATE ROLE "{{name}}" ...'],
                "default_ttl": "24h",
                "max_ttl": "72h",
            },
        ),
        Step("vault secrets enable kubernetes"),
        Step(
            "vault write kubernetes/roles/prod-view allowed_kubernetes_namespaces=prod "
            "kubernetes_role_type=ClusterRole kubernetes_role_name=view "
            "token_default_ttl=1h token_max_ttl=12h",
            "kubernetes/roles/prod-view",
            {
                "allowed_kubernetes_namespaces": ["prod"],
                "kubernetes_role_type": "ClusterRole",
                "kubernetes_role_name": "view",
                "token_default_ttl": "1h",
                "token_max_ttl": "12h",
            },
        ),
        Step("vault auth enable github"),
        Step("vault write auth/github/config organization=acme"),
    ]


def configure(vault: FakeVault, repository: str = REPOSITORY) -> hvac.Client:
    """Replay the admin set-up on the fake; return the root client."""
    root = hvac.Client(url=vault.address, token=vault.root_token)
    for step in steps(repository):
        if step.path is not None:
            root.adapter.post(f"/v1/{step.path}", json=step.body)
    return root
