"""Which of the requester's GitHub SSH keys age can encrypt to, and why the others are skipped."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from jit.delivery import MAX_RECIPIENTS, choose_delivery, parse_ssh_key
from tests.delivery.helpers import ED, ED_FP, RSA, RSA_FP, SK, KeyPair, make_pair


def test_fingerprints_match_ssh_keygen() -> None:
    assert parse_ssh_key(ED).fingerprint == ED_FP
    assert parse_ssh_key(f"{RSA} alice@laptop").fingerprint == RSA_FP
    assert parse_ssh_key(f"{ED} comment").line == ED


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ssh-ed25519", "not an OpenSSH public key line"),
        ("ssh-ed25519 not*base64", "not valid base64"),
        ("ssh-ed25519 AAA=", "truncated"),
        (f"ssh-rsa {ED.split()[1]}", "does not hold a ssh-rsa key"),
    ],
)
def test_malformed_key_lines(line: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_ssh_key(line)


def test_usable_keys_are_chosen_and_the_rest_skipped_with_reasons(ecdsa_key: KeyPair) -> None:
    weak = make_pair(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    plan = choose_delivery([ED, ecdsa_key.public, SK, weak.public, RSA, ED, "garbage"], "refuse")
    assert plan.method == "age"
    assert [k.fingerprint for k in plan.recipients] == [ED_FP, RSA_FP]
    reasons = [(k.type, k.reason) for k in plan.skipped]
    assert reasons == [
        (
            "ecdsa-sha2-nistp256",
            "age cannot encrypt to this type of key; it supports ssh-ed25519 and ssh-rsa.",
        ),
        (
            "sk-ssh-ed25519@openssh.com",
            "age cannot encrypt to this type of key; it supports ssh-ed25519 and ssh-rsa.",
        ),
        ("ssh-rsa", "It is an RSA key shorter than 2048 bits, which age refuses as too weak."),
        ("garbage", "It is not an OpenSSH public key line (type, then base64 data)."),
    ]
    assert all(k.fingerprint.startswith("SHA256:") for k in plan.skipped[:3])


def test_a_key_age_rejects_for_another_reason_is_skipped() -> None:
    bogus = (
        "ssh-ed25519 "
        + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x03abc").decode()
    )
    plan = choose_delivery([bogus], "wrapping-token")
    assert plan.method == "wrapping-token"
    assert plan.skipped[0].reason.startswith("age rejected it (")


@pytest.mark.parametrize("fallback", ["refuse", "wrapping-token"])
def test_no_usable_key_means_the_fallback(fallback: str, ecdsa_key: KeyPair) -> None:
    assert choose_delivery([], fallback).method == fallback  # type: ignore[arg-type]
    plan = choose_delivery([ecdsa_key.public], fallback)  # type: ignore[arg-type]
    assert (plan.method, plan.recipients, len(plan.skipped)) == (fallback, (), 1)


def test_recipients_are_capped() -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    keys = [
        make_pair(ed25519.Ed25519PrivateKey.generate()).public for _ in range(MAX_RECIPIENTS + 2)
    ]
    plan = choose_delivery(keys, "refuse")
    assert len(plan.recipients) == MAX_RECIPIENTS
    assert [k.reason for k in plan.skipped] == [
        f"Only the first {MAX_RECIPIENTS} usable keys are used."
    ] * 2
