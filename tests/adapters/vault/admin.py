"""The Vault set-up an admin does for jit, as ``vault`` CLI commands and the HTTP they send.

One list serves both the admins' guide (``docs/admin.md`` shows each ``cli``; tests/docs checks
that it shows exactly these) and the tests, which replay ``path``/``body`` on the fake Vault with
a root token: the set-up the guide documents is the set-up jit is tested against, and the
contract check covers the admin's request bodies too. The files the commands name live in
``docs/setup/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac

from tests.fakes.oidc import ISSUER
from tests.fakes.vault import FakeVault

SETUP = Path(__file__).resolve().parents[3] / "docs" / "setup"
REPOSITORY = "acme/access"
WORKFLOW = "reconcile.yml"
ENVIRONMENT = "jit-production"
AUDIENCE = "vault"


def policy_text(name: str) -> str:
    return (SETUP / f"{name}.hcl").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Step:
    cli: str
    path: str | None = None  # None: the fake has it already (a mount), or it is off-line
    body: dict[str, Any] | None = None
    offline: tuple[str, ...] = ()  # arguments of ``cli`` that are not replayed, and why


def jwt_role(repository: str = REPOSITORY, workflow: str = WORKFLOW) -> dict[str, Any]:
    """``docs/setup/jit-role.json``, for ``repository`` and its ``workflow`` file."""
    role: dict[str, Any] = json.loads((SETUP / "jit-role.json").read_text(encoding="utf-8"))
    claims = role["bound_claims"]
    claims["repository"] = repository
    claims["job_workflow_ref"] = f"{repository}/.github/workflows/{workflow}@refs/heads/main"
    return role


def steps(repository: str = REPOSITORY) -> list[Step]:
    """In the guide's order. Each requester's own step (``vault login``) is here too, so the guide
    shows no ``vault`` command that is not listed."""
    return [
        Step("vault auth enable jwt"),
        Step(
            f"vault write auth/jwt/config oidc_discovery_url={ISSUER} bound_issuer={ISSUER}",
            "auth/jwt/config",
            {"oidc_discovery_url": ISSUER, "bound_issuer": ISSUER},
        ),
        Step(
            "vault policy write jit-job docs/setup/jit-job.hcl",
            "sys/policies/acl/jit-job",
            {"policy": policy_text("jit-job")},
        ),
        Step(
            "vault policy write jit-credentials docs/setup/jit-credentials.hcl",
            "sys/policies/acl/jit-credentials",
            {"policy": policy_text("jit-credentials")},
        ),
        Step(
            "vault policy write db-orders-read docs/setup/db-orders-read.hcl",
            "sys/policies/acl/db-orders-read",
            {"policy": policy_text("db-orders-read")},
        ),
        Step(
            "vault policy write jit-doctor docs/setup/jit-doctor.hcl",
            "sys/policies/acl/jit-doctor",
            {"policy": policy_text("jit-doctor")},
        ),
        Step(
            "vault write auth/jwt/role/jit @docs/setup/jit-role.json",
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
        # The token mount's own max TTL (768h unless tuned) caps every token;
        # tests/docs/test_admin_real.py also replays this step on a real OpenBao.
        Step(
            "vault auth tune -max-lease-ttl=2160h token/",
            "sys/auth/token/tune",
            {"max_lease_ttl": "2160h"},
        ),
        Step("vault secrets enable database"),
        Step(
            "vault write database/config/orders plugin_name=postgresql-database-plugin "
            "allowed_roles=orders-readonly connection_url='postgresql://{{username}}:{{password}}"
            '@db.internal:5432/orders\' username=vault password="$ORDERS_DB_PASSWORD"',
            "database/config/orders",
            {"plugin_name": "postgresql-database-plugin", "allowed_roles": ["orders-readonly"]},
            # the plugin's own fields (Vault's OpenAPI has none of them) and the admin's secret
            offline=("connection_url", "username", "password"),
        ),
        Step(
            "vault write database/roles/orders-readonly db_name=orders "
            'creation_statements="CREATE ROLE \\"{{name}}\\" WITH LOGIN PASSWORD \'{{password}}\' '
            "VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
            '\\"{{name}}\\";" default_ttl=24h max_ttl=72h',
            "database/roles/orders-readonly",
            {
                "db_name": "orders",
                "creation_statements": [
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL "
                    "'{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
                    '"{{name}}";'
                ],
                "default_ttl": "24h",
                "max_ttl": "72h",
            },
        ),
        Step("vault auth enable github"),
        Step("vault write auth/github/config organization=acme"),
        Step("vault login -method=github"),  # each requester of vault-group grants, once
        Step("vault auth list -format=json | jq -r '.\"github/\".accessor'"),  # for settings
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
    ]


def configure(vault: FakeVault, repository: str = REPOSITORY) -> hvac.Client:
    """Replay the admin set-up on the fake; return the root client."""
    root = hvac.Client(url=vault.address, token=vault.root_token)
    for step in steps(repository):
        if step.path is not None:
            root.adapter.post(f"/v1/{step.path}", json=step.body)
    return root
