"""Shared helpers for the delivery tests: SSH key pairs, fixed public keys, delivery comments
for the fake Vault, and the command line run in-process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from jit.cli import main
from jit.delivery import DeliveryPayload, choose_delivery, render_delivery_comment, seal
from tests.fakes.vault import FakeVault
from tests.fakes.vault.wire import envelope

# Made with ssh-keygen; the fingerprints are what `ssh-keygen -lf` printed for them.
ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJT2wANXkiDwzmbFrB8KAUY4LVe14H8tdMfXUiMUqEW"
ED_FP = "SHA256:0E/Lys3IamlvUJ1Cnyl9CR1JrtKKQ7S5c5UUhgdhpvw"
RSA = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDJFfGKuwaKK6AAYij9yf3e0KrYFhlk4fhD94gveKk9195eG4kIGoRhQqt5A5vN389mRv0/"
    "BA4zCbgodmTbMeb/fkvKMnssT5zcLKurIQtZ6pOWpjG0IZ08YOMh2lXM0g6hJMQpD2z95zr2yPBLJ3AME32jT8IY4fTvQ6V0G+KYdcS2kCgKYQd"
    "uIbH8scoKV0ocIZOCRqnYQO+zylNtihZ4ISswvHHYusNWTPgaxndJx9EL3+RPX/I6+//G7IGozX7dMEt8ggjJcET/WwLOOBMyZDgw+Hkmf+eyCDYu"
    "AJt3gCj+JzLJQ0tLysgkpoF4Meb9DetpFLjUnwp/BYjbOtz3"
)
RSA_FP = "SHA256:DPoKJT6gLi9ie+De946Ll2uFDSDkdae6JJspHVuftko"
SK = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIKJT2wANXkiDwzmbFrB8KAUY4LVe14H8tdMfXUiMUqEWAAAABHNzaDo="


@dataclass(frozen=True)
class KeyPair:
    private: bytes  # OpenSSH private key file content, no passphrase
    public: str  # "ssh-ed25519 AAAA..."
    key: PrivateKeyTypes

    def write(self, path: Path) -> Path:
        path.write_bytes(self.private)
        path.chmod(0o600)
        return path


def make_pair(key: PrivateKeyTypes) -> KeyPair:
    private = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption())
    public = key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    return KeyPair(private, public, key)


def encrypted_openssh(key: KeyPair, tmp_path: Path, passphrase: str) -> bytes:
    """An OpenSSH key protected by ``passphrase`` (cryptography needs bcrypt; else ssh-keygen)."""
    try:
        import bcrypt  # noqa: F401
    except ImportError:
        if shutil.which("ssh-keygen") is None:
            pytest.skip("making a passphrase-protected OpenSSH key needs bcrypt or ssh-keygen")
        path = key.write(tmp_path / "id_protected")
        subprocess.run(["ssh-keygen", "-q", "-p", "-N", passphrase, "-f", str(path)], check=True)
        return path.read_bytes()
    encryption = ser.BestAvailableEncryption(passphrase.encode())
    return key.key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, encryption)


SECRET = "pw-Zq8!'\"$HOME `x`"
GRANT = "alice-incident-4711-3f2a9c1b"
ENDS = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def vault_call(
    vault: FakeVault, path: str, body: dict[str, Any], wrap_ttl: int | None = None
) -> dict[str, Any]:
    headers = {"X-Vault-Token": vault.root_token}
    if wrap_ttl:
        headers["X-Vault-Wrap-TTL"] = str(wrap_ttl)
    response = requests.post(f"{vault.address}/v1/{path}", json=body, headers=headers, timeout=5)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.content else {}


CREDS_PATH = "database/creds/orders-readonly"


def wrapped_credentials(vault: FakeVault, data: dict[str, Any] | None = None) -> str:
    """What Vault holds after the grant side's holder token read vault-credentials
    response-wrapped: the engine's answer, in a wrapping token created at the creds path."""
    answer = envelope(
        data=data or {"username": "v-alice-x1", "password": SECRET},
        lease_id=f"{CREDS_PATH}/lease1",
        lease_duration=3600,
        renewable=True,
        mount_type="database",
    )
    return vault.tokens.add_wrapping(300, CREDS_PATH, answer).id


def forged_wrap(vault: FakeVault, data: dict[str, Any]) -> str:
    """What anyone with Vault's default policy can do: wrap data of their choosing."""
    answer = vault_call(vault, "sys/wrapping/wrap", data, wrap_ttl=300)
    return str(answer["wrap_info"]["token"])


def wrapped_token(vault: FakeVault) -> str:
    """What the grant side does for vault-token: create through the token role, wrapped."""
    vault_call(vault, "auth/token/roles/jit", {"allowed_policies": ["default"], "orphan": True})
    answer = vault_call(
        vault, "auth/token/create/jit", {"policies": ["default"], "ttl": "1h"}, wrap_ttl=300
    )
    return str(answer["wrap_info"]["token"])


def comment(vault: FakeVault, wrap_token: str, *keys: KeyPair) -> str:
    payload = DeliveryPayload(vault.address, None, wrap_token, GRANT, ENDS.isoformat())
    plan = choose_delivery([k.public for k in keys], "refuse")
    return render_delivery_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-orders",
        expires_at=ENDS,
        unwrap_by=None,
        armored=seal(payload, plan.recipients),
        plan=plan,
    )


def jit(*args: str) -> int:
    """Run the real command line (click, the error handler, exit codes) in-process."""
    old = sys.argv
    sys.argv = ["jit", "unwrap", *args]
    try:
        main()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        sys.argv = old
    raise AssertionError("main() always exits")


#: The access repository ``jit unwrap`` checks deliveries against (its ``policies/``): where the
#: reconcile job wraps secrets (token role ``jit``; ``database/creds/orders-readonly``).
ACCESS_SETTINGS = """\
vault:
  address: https://vault.fake:8200
  token_role: jit
"""
ACCESS_RESOURCES = """\
resources:
  db-read:
    description: Read-only access to the orders database
    grant: {kind: vault-credentials, path: database/creds/orders-readonly}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
  db-token:
    description: A Vault token that reads the orders database
    grant: {kind: vault-token, policies: [db-orders-read]}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
"""


def write_access_repo(root: Path, settings: str = ACCESS_SETTINGS) -> Path:
    (root / "policies").mkdir(parents=True, exist_ok=True)
    (root / "policies" / "settings.yaml").write_text(settings)
    (root / "policies" / "resources.yaml").write_text(ACCESS_RESOURCES)
    return root
