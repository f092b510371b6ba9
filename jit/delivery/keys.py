"""The requester's public SSH keys, and which of them age can encrypt to.

age accepts ``ssh-ed25519`` and ``ssh-rsa`` (at least 2048 bits) recipients. Every other key
(ecdsa, ``sk-*`` security keys, ...) is skipped with a sentence saying why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyrage

from jit.model import DeliveryFallback

SUPPORTED_KEY_TYPES = ("ssh-ed25519", "ssh-rsa")
#: Each recipient adds a stanza to the header; a PR comment holds at most 65,536 characters.
MAX_RECIPIENTS = 10

DeliveryMethod = Literal["age", "wrapping-token", "refuse"]


@dataclass(frozen=True)
class SshKey:
    type: str  # "ssh-ed25519"
    fingerprint: str  # "SHA256:...", as ssh-keygen -l prints it
    line: str  # "<type> <base64>", without a comment


@dataclass(frozen=True)
class SkippedKey:
    type: str
    fingerprint: str  # "" when the key could not be parsed at all
    reason: str  # a sentence


@dataclass(frozen=True)
class DeliveryPlan:
    """How a secret reaches the requester: ``age`` to ``recipients``, or the fallback."""

    method: DeliveryMethod
    recipients: tuple[SshKey, ...]
    skipped: tuple[SkippedKey, ...]


def parse_ssh_key(line: str) -> SshKey:
    """``"ssh-ed25519 AAAA... comment"`` -> SshKey; raises ValueError with a sentence."""
    parts = line.split()
    if len(parts) < 2:
        raise ValueError("It is not an OpenSSH public key line (type, then base64 data).")
    key_type, data = parts[0], parts[1]
    try:
        blob = base64.b64decode(data, validate=True)
    except binascii.Error:
        raise ValueError("Its key data is not valid base64.") from None
    if len(blob) < 4:
        raise ValueError("Its key data is truncated.")
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + length].decode("ascii", "replace") != key_type:
        raise ValueError(f"Its data does not hold a {key_type} key.")
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return SshKey(key_type, f"SHA256:{digest}", f"{key_type} {data}")


def choose_delivery(keys: Sequence[str], fallback: DeliveryFallback) -> DeliveryPlan:
    """Encrypt to every usable key; with none, the resource's (or settings') fallback."""
    usable: list[SshKey] = []
    skipped: list[SkippedKey] = []
    seen: set[str] = set()
    for line in keys:
        try:
            key = parse_ssh_key(line)
        except ValueError as exc:
            skipped.append(SkippedKey(line.split()[0] if line.split() else "", "", str(exc)))
            continue
        if key.fingerprint in seen:
            continue
        seen.add(key.fingerprint)
        reason = _unusable(key)
        if reason:
            skipped.append(SkippedKey(key.type, key.fingerprint, reason))
        elif len(usable) >= MAX_RECIPIENTS:
            skipped.append(
                SkippedKey(
                    key.type,
                    key.fingerprint,
                    f"Only the first {MAX_RECIPIENTS} usable keys are used.",
                )
            )
        else:
            usable.append(key)
    method: DeliveryMethod = "age" if usable else fallback
    return DeliveryPlan(method, tuple(usable), tuple(skipped))


def recipient(key: SshKey) -> object:
    """The pyrage recipient for a key ``choose_delivery`` accepted."""
    return pyrage.ssh.Recipient.from_str(key.line)


def _unusable(key: SshKey) -> str | None:
    if key.type not in SUPPORTED_KEY_TYPES:
        return "age cannot encrypt to this type of key; it supports ssh-ed25519 and ssh-rsa."
    try:
        recipient(key)
    except pyrage.RecipientError as exc:
        if "RsaModulusTooSmall" in str(exc):
            return "It is an RSA key shorter than 2048 bits, which age refuses as too weak."
        return f"age rejected it ({exc})."
    return None
