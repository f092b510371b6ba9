"""The end-to-end world with a real OpenBao and PostgreSQL behind jit (GitHub and Kubernetes stay
the fakes, served through ``responses``; requests to OpenBao pass through to the real server).

OpenBao is set up as the admins' guide says (``tests/adapters/vault/admin.py`` replayed over HTTP
with the root token, in the test's own namespace), except for what only a real deployment has:

- ``auth/jwt/config`` trusts the test's GitHub OIDC signing key (``jwt_validation_pubkeys``)
  instead of discovering GitHub's (no network here);
- ``database/config/orders`` points at the test's PostgreSQL database, as a database user with
  exactly ``LOGIN CREATEROLE`` and ``SELECT ... WITH GRANT OPTION`` on the table it hands out;
- requesters' identities for ``vault-group``: OpenBao has no ``github`` auth method, so a second
  JWT mount, ``github-oidc``, trusts the organisation's OIDC identity provider (e.g. Dex with its
  GitHub connector), whose ID tokens carry the GitHub login in ``preferred_username``; the mount's
  role ``requester`` uses that claim as ``user_claim``, so the entity alias *is* the GitHub login.
  jit finds it through ``vault.identity_mount: github-oidc``.

jit's clock is a fake set to the real time at the start; moving it forward is time travel on
jit's side only. The servers keep real time, so every OIDC token is minted with the real time.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hvac
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.adapters.vault import admin
from tests.e2e.conftest import Flow
from tests.fakes import oidc
from tests.real.plugin import Database, Namespace
from tests.reconcile import world

IDENTITY_MOUNT = "github-oidc"
IDENTITY_ROLE = "requester"
IDP_ISSUER = "https://idp.acme.test"
IDP_AUDIENCE = "openbao"
ORDERS_ROW = (1, "tea for two")


class WallClock:
    """What the OIDC issuers read: the real time, which the real server checks tokens against."""

    def time(self) -> float:
        return time.time()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class RealFlow(Flow):
    def __init__(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        bao: Namespace,
        database: Database,
    ) -> None:
        settings = world.SETTINGS.replace(
            "identity_mount: github", f"identity_mount: {IDENTITY_MOUNT}"
        )
        monkeypatch.setattr(world, "SETTINGS", settings)
        super().__init__(tmp_path, monkeypatch)
        self.bao = bao
        self.db = database
        self.mock.add_passthru(bao.address)
        self.clock.set(datetime.now(UTC))
        self.oidc.clock = WallClock()  # type: ignore[assignment]
        self.idp_key = oidc._key(2)
        self.root = bao.client()
        self.db_user = f"vault_{secrets.token_hex(4)}"
        self._set_up_database()
        self._set_up_openbao()

    # --- set-up ---------------------------------------------------------------------------

    def _set_up_database(self) -> None:
        password = secrets.token_urlsafe(18)
        self.db_password = password
        self.db.sql(
            f"CREATE ROLE \"{self.db_user}\" WITH LOGIN CREATEROLE PASSWORD '{password}';"
            "CREATE TABLE orders (id int PRIMARY KEY, item text);"
            f"INSERT INTO orders VALUES ({ORDERS_ROW[0]}, '{ORDERS_ROW[1]}');"
            f'GRANT SELECT ON orders TO "{self.db_user}" WITH GRANT OPTION;'
        )

    def _set_up_openbao(self) -> None:
        root = self.root
        root.sys.enable_auth_method("jwt", path="jwt")
        root.sys.enable_secrets_engine("database", path="database")
        for step in admin.steps():
            if step.path is None or step.path.startswith("kubernetes/"):
                continue  # mounts (enabled above); Kubernetes stays on the fake
            body = step.body or {}
            if step.path == "auth/jwt/config":
                body = {
                    "jwt_validation_pubkeys": [public_pem(self.oidc._key)],
                    "bound_issuer": oidc.ISSUER,
                }
            elif step.path.startswith("database/config/"):
                body = {
                    **body,
                    "connection_url": self.db.url(),
                    "username": self.db_user,
                    "password": self.db_password,
                }
            answer = root.adapter.post(f"/v1/{step.path}", json=body)
            assert not isinstance(answer, dict) or not answer.get("errors"), (step.cli, answer)
        root.sys.enable_auth_method("jwt", path=IDENTITY_MOUNT)
        root.write(
            f"auth/{IDENTITY_MOUNT}/config",
            jwt_validation_pubkeys=[public_pem(self.idp_key)],
            bound_issuer=IDP_ISSUER,
        )
        root.write(
            f"auth/{IDENTITY_MOUNT}/role/{IDENTITY_ROLE}",
            role_type="jwt",
            user_claim="preferred_username",
            bound_audiences=[IDP_AUDIENCE],
            token_ttl="1h",
            token_max_ttl="8h",
        )

    # --- the people -----------------------------------------------------------------------

    def member_login(self, login: str) -> hvac.Client:
        """``login`` logs in to OpenBao through the organisation's identity provider."""
        now = int(time.time())
        claims = {
            "iss": IDP_ISSUER,
            "sub": str(uuid.uuid4()),
            "aud": IDP_AUDIENCE,
            "preferred_username": login,
            "iat": now,
            "nbf": now - 5,
            "exp": now + 300,
        }
        token = jwt.encode(claims, self.idp_key, algorithm="RS256")
        client = self.bao.client(token="")
        answer = client.adapter.post(
            f"/v1/auth/{IDENTITY_MOUNT}/login", json={"role": IDENTITY_ROLE, "jwt": token}
        )
        client.token = answer["auth"]["client_token"]
        return client

    # --- running --------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **super().env(),
            "VAULT_ADDR": self.bao.address,
            "VAULT_NAMESPACE": self.bao.name,
            **extra,
        }

    def unwrap(self, login: str, number: int) -> dict[str, object]:
        """``jit unwrap`` the delivery with ``login``'s SSH key, against the real OpenBao."""
        from jit.commands import unwrap

        folder = self.tmp / f"{login}-{number}-{len(self.outputs)}-{secrets.token_hex(2)}"
        folder.mkdir()
        key = self.keys[login].write(folder / "id_ed25519")
        comment = folder / "comment.txt"
        comment.write_text(self.delivery(number))
        out = folder / "secret.json"
        unwrap.run(
            key,
            out,
            "json",
            str(comment),
            vault_addr=self.bao.address,
            vault_namespace=self.bao.name,
            repo=self.checkout(),  # the requester's clone of the access repository
        )
        secret: dict[str, Any] = json.loads(out.read_text())
        return secret
