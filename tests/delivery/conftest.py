"""SSH key pairs made fresh for the delivery tests (OpenSSH format, as ssh-keygen writes them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from tests.fakes.vault.plugin import fake_clock, fake_vault, vault_rsps

# fixtures, imported so pytest finds them
__all__ = ["fake_clock", "fake_vault", "vault_rsps"]

GOLDEN_DIR = Path(__file__).parent / "golden"


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


@pytest.fixture(scope="session")
def ed_key() -> KeyPair:
    return make_pair(ed25519.Ed25519PrivateKey.generate())


@pytest.fixture(scope="session")
def rsa_key() -> KeyPair:
    return make_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def other_key() -> KeyPair:
    return make_pair(ed25519.Ed25519PrivateKey.generate())


@pytest.fixture(scope="session")
def ecdsa_key() -> KeyPair:
    return make_pair(ec.generate_private_key(ec.SECP256R1()))


def assert_golden(name: str, text: str) -> None:
    """Regenerate with ``JIT_UPDATE_GOLDEN=1 pytest tests/delivery``."""
    path = GOLDEN_DIR / f"{name}.md"
    if os.environ.get("JIT_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run JIT_UPDATE_GOLDEN=1 pytest tests/delivery"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path} differs; review, then JIT_UPDATE_GOLDEN=1"
    )


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


@pytest.fixture
def access_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of the access repository, as the working directory (``--repo`` defaults to it)."""
    root = write_access_repo(tmp_path / "access")
    monkeypatch.chdir(root)
    return root
