"""SSH key pairs made fresh for the delivery tests (OpenSSH format, as ssh-keygen writes them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.delivery.helpers import KeyPair, make_pair, write_access_repo
from tests.fakes.vault.plugin import fake_clock, fake_vault, vault_rsps

# fixtures, imported so pytest finds them
__all__ = ["fake_clock", "fake_vault", "vault_rsps"]


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


@pytest.fixture
def access_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of the access repository, as the working directory (``--repo`` defaults to it)."""
    root = write_access_repo(tmp_path / "access")
    monkeypatch.chdir(root)
    return root
