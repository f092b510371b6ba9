"""Sealing a payload to SSH keys with age, finding the block in pasted text, opening it."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser
from hypothesis import given
from hypothesis import strategies as st

from jit.delivery import (
    ARMOR_BEGIN,
    ARMOR_END,
    DeliveryError,
    DeliveryPayload,
    choose_delivery,
    find_armored,
    find_plain_payload,
    load_identity,
    open_sealed,
    seal,
)
from tests.delivery.helpers import KeyPair, encrypted_openssh

PAYLOAD = DeliveryPayload(
    vault_addr="https://vault.example.com:8200",
    vault_namespace="admin/team",
    wrap_token="hvs.CAESIwrap-token-for-tests",
    grant_id="alice-incident-4711-3f2a9c1b",
    expires_at="2026-03-02T11:00:00+00:00",
)


def sealed_to(*keys: KeyPair) -> str:
    return seal(PAYLOAD, choose_delivery([k.public for k in keys], "refuse").recipients)


def identity(key: KeyPair) -> object:
    return load_identity(key.private, "id_test")


def test_round_trip_with_ed25519_and_rsa(ed_key: KeyPair, rsa_key: KeyPair) -> None:
    armored = sealed_to(ed_key, rsa_key)
    assert armored.startswith(ARMOR_BEGIN + "\n")
    assert armored.endswith(ARMOR_END + "\n")
    assert all(len(line) <= 64 for line in armored.splitlines())
    assert PAYLOAD.wrap_token not in armored
    for key in (ed_key, rsa_key):
        assert open_sealed(find_armored(armored), [identity(key)]) == PAYLOAD


def test_someone_elses_key_cannot_open_it(ed_key: KeyPair, other_key: KeyPair) -> None:
    with pytest.raises(DeliveryError, match="None of your SSH keys opens this delivery"):
        open_sealed(find_armored(sealed_to(ed_key)), [identity(other_key)])


def test_seal_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match="at least one recipient"):
        seal(PAYLOAD, ())


def test_the_block_is_found_in_a_pasted_comment(ed_key: KeyPair, other_key: KeyPair) -> None:
    mine = sealed_to(ed_key)
    not_mine = sealed_to(other_key)
    pasted = (
        "<!-- jit:delivery x -->\r\n### Your access\r\n```\r\n"
        + not_mine.replace("\n", "\r\n")
        + "```\r\n> "
        + mine.replace("\n", "\n>    ")
        + "\r\nthanks!"
    )
    blocks = find_armored(pasted)
    assert len(blocks) == 2
    assert open_sealed(blocks, [identity(ed_key)]) == PAYLOAD


def test_blocks_that_are_not_base64_are_ignored() -> None:
    assert find_armored(f"{ARMOR_BEGIN}\nnot base64!\n{ARMOR_END}") == []
    assert find_armored(f"{ARMOR_BEGIN}\n\n{ARMOR_END}") == []
    assert find_armored("no block here") == []


@functools.cache
def _fixture_pair() -> tuple[str, bytes]:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    private = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption())
    return sealed_to(KeyPair(private, public, key)), private


@given(
    width=st.integers(min_value=1, max_value=120),
    before=st.text(alphabet=st.characters(blacklist_characters="-"), max_size=200),
    after=st.text(alphabet=st.characters(blacklist_characters="-"), max_size=200),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    indent=st.sampled_from(["", "  ", "> ", "\t"]),
)
def test_rewrapped_and_surrounded_blocks_still_open(
    width: int, before: str, after: str, newline: str, indent: str
) -> None:
    armored, private = _fixture_pair()
    data = "".join(armored.splitlines()[1:-1])
    body = newline.join(indent + data[i : i + width] for i in range(0, len(data), width))
    text = (
        f"{before}{newline}{indent}{ARMOR_BEGIN}{newline}{body}{newline}{indent}{ARMOR_END}{after}"
    )
    assert open_sealed(find_armored(text), [load_identity(private, "k")]) == PAYLOAD


def test_payload_json_round_trip_and_validation() -> None:
    assert DeliveryPayload.from_json(PAYLOAD.to_json()) == PAYLOAD
    assert PAYLOAD.wrap_token not in repr(PAYLOAD)
    for bad in [
        "[]",
        "not json",
        '{"wrap_token": ""}',
        '{"vault_addr": "ftp://x", "wrap_token": "t", "grant_id": "g", "expires_at": "e"}',
    ]:
        with pytest.raises(DeliveryError):
            DeliveryPayload.from_json(bad)


def test_plain_payload_is_found_in_a_comment() -> None:
    comment = f'some {{"not": "it"}} text\n```json\n{PAYLOAD.to_json()}\n```\n'
    assert find_plain_payload(comment) == PAYLOAD
    assert find_plain_payload('{"wrap_token": 1}') is None
    assert find_plain_payload("nothing") is None


def test_pem_rsa_keys_are_accepted(rsa_key: KeyPair) -> None:
    pem = rsa_key.key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption()
    )
    assert open_sealed(find_armored(sealed_to(rsa_key)), [load_identity(pem, "id_rsa")]) == PAYLOAD


def test_unusable_private_keys_are_explained(ecdsa_key: KeyPair) -> None:
    with pytest.raises(DeliveryError, match=r"id_ecdsa is not an SSH private key that age can use"):
        load_identity(ecdsa_key.private, "id_ecdsa")
    with pytest.raises(DeliveryError, match="not an SSH private key"):
        load_identity(b"hello", "notes.txt")
    for body in (b"!!!", b"abc"):  # no key data; base64 with bad padding
        broken = (
            b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
            + body
            + b"\n-----END OPENSSH PRIVATE KEY-----\n"
        )
        with pytest.raises(DeliveryError, match="not an SSH private key"):
            load_identity(broken, "broken")


def test_passphrase_protected_keys(ed_key: KeyPair, tmp_path: Path) -> None:
    protected = encrypted_openssh(ed_key, tmp_path, "correct horse")
    blocks = find_armored(sealed_to(ed_key))
    with pytest.raises(
        DeliveryError, match="protected by a passphrase and jit cannot ask for it here"
    ):
        load_identity(protected, "~/.ssh/id_ed25519")
    try:
        import bcrypt  # noqa: F401
    except ImportError:
        with pytest.raises(DeliveryError, match="needs the Python package bcrypt"):
            load_identity(protected, "id", lambda: "correct horse")
        return
    assert open_sealed(blocks, [load_identity(protected, "id", lambda: "correct horse")]) == PAYLOAD
    with pytest.raises(DeliveryError, match="The passphrase for id is wrong"):
        load_identity(protected, "id", lambda: "wrong")


def test_missing_bcrypt_is_explained(
    ed_key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    protected = encrypted_openssh(ed_key, tmp_path, "pw")
    from cryptography.exceptions import UnsupportedAlgorithm

    def no_bcrypt(*_args: object) -> bytes:  # what cryptography installs when bcrypt is absent
        raise UnsupportedAlgorithm("Need bcrypt module")

    monkeypatch.setattr("cryptography.hazmat.primitives.serialization.ssh._bcrypt_kdf", no_bcrypt)
    with pytest.raises(
        DeliveryError, match=r"needs the Python package bcrypt \(pip install bcrypt\)"
    ):
        load_identity(protected, "id", lambda: "pw")


def test_passphrase_protected_pem_rsa(rsa_key: KeyPair) -> None:
    pem = rsa_key.key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.BestAvailableEncryption(b"pw")
    )
    assert b"Proc-Type: 4,ENCRYPTED" in pem
    opened = load_identity(pem, "id_rsa", lambda: "pw")
    assert open_sealed(find_armored(sealed_to(rsa_key)), [opened]) == PAYLOAD
