"""Sealing the delivery payload with age, and opening it again with an SSH private key.

The payload is a small JSON object holding the Vault wrapping token; the ciphertext is ASCII-armored
(``-----BEGIN AGE ENCRYPTED FILE-----``, base64 in 64-column lines) so it fits in a PR comment.
Reading is forgiving about what surrounds the block (a whole pasted comment, CRLF line ends, quote
markers, re-wrapped lines), because people copy it out of a browser.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyrage

from jit.delivery.keys import SshKey, recipient
from jit.errors import JitError

ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = "-----END AGE ENCRYPTED FILE-----"
_ARMORED = re.compile(re.escape(ARMOR_BEGIN) + r"(.*?)" + re.escape(ARMOR_END), re.DOTALL)
_PLAIN = re.compile(r"\{[^{}]*\"wrap_token\"[^{}]*\}")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")
#: A grant id as jit makes them (``jit.reconcile.state.grant_id``): a DNS-1123 label.
_GRANT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
#: Control, bidi and invisible characters: a payload is printed to the requester's terminal,
#: and anyone can encrypt a payload to a public SSH key, so none of it may drive the terminal.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


#: What ``DeliveryPayload.to_json`` writes, and all a payload may hold.
_FIELDS = frozenset({"vault_addr", "vault_namespace", "wrap_token", "grant_id", "expires_at"})


class DeliveryError(JitError):
    """A delivery that cannot be read or opened; the message says how to fix it."""


@dataclass(frozen=True)
class DeliveryPayload:
    """What the requester needs to unwrap: where Vault is, and the single-use wrapping token."""

    vault_addr: str
    vault_namespace: str | None
    wrap_token: str = field(repr=False)
    grant_id: str = ""
    expires_at: str = ""  # ISO 8601, when the access ends

    def to_json(self) -> str:
        return json.dumps(
            {
                "vault_addr": self.vault_addr,
                "vault_namespace": self.vault_namespace,
                "wrap_token": self.wrap_token,
                "grant_id": self.grant_id,
                "expires_at": self.expires_at,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> DeliveryPayload:
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise DeliveryError("The delivery does not hold a jit payload (a JSON object).")
        extra = sorted(str(k)[:40] for k in data if k not in _FIELDS)
        if extra:
            raise DeliveryError(
                f"The delivery's payload holds fields jit never writes ({', '.join(map(repr, extra))}"
                "); it was not made by jit. Do not use it; report it to your security team."
            )
        strings = {k: data.get(k) for k in ("vault_addr", "wrap_token", "grant_id", "expires_at")}
        namespace = data.get("vault_namespace")
        if (
            not all(isinstance(v, str) for v in strings.values())
            or not data.get("wrap_token")
            or not (namespace is None or isinstance(namespace, str))
            or not str(data.get("vault_addr")).startswith(("https://", "http://"))
        ):
            raise DeliveryError(
                "The delivery's payload is incomplete: it needs vault_addr (an http(s) URL), "
                "wrap_token, grant_id and expires_at."
            )
        if any(_UNSAFE.search(str(v)) for v in (*strings.values(), namespace or "")):
            raise DeliveryError(
                "The delivery's payload contains control or invisible characters, which jit "
                "never writes; it was not made by jit. Do not use it; report it to your "
                "security team."
            )
        if not _GRANT_ID.fullmatch(data["grant_id"]) or not _is_time(data["expires_at"]):
            raise DeliveryError(
                "The delivery's payload has a malformed grant_id or expires_at, which jit never "
                "writes; it was not made by jit. Do not use it; report it to your security team."
            )
        return cls(
            vault_addr=data["vault_addr"],
            vault_namespace=namespace or None,
            wrap_token=data["wrap_token"],
            grant_id=data["grant_id"],
            expires_at=data["expires_at"],
        )


def _is_time(text: str) -> bool:
    """An ISO 8601 moment with a UTC offset, as jit writes ``expires_at``."""
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def seal(payload: DeliveryPayload, recipients: Sequence[SshKey]) -> str:
    """The payload encrypted to every key in ``recipients``, ASCII-armored."""
    if not recipients:
        raise ValueError("seal() needs at least one recipient")
    sealed: bytes = pyrage.encrypt(
        payload.to_json().encode(), [recipient(k) for k in recipients], armored=True
    )
    return sealed.decode("ascii")


def find_armored(text: str) -> list[str]:
    """Every armored age block in ``text``, normalised: LF line ends, no quote markers or
    indentation, base64 re-wrapped at 64 columns."""
    blocks = []
    for match in _ARMORED.finditer(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip().lstrip(">").strip() for line in match.group(1).split("\n")]
        data = "".join(lines)
        if not data or _NOT_BASE64.search(data):
            continue
        body = "\n".join(data[i : i + 64] for i in range(0, len(data), 64))
        blocks.append(f"{ARMOR_BEGIN}\n{body}\n{ARMOR_END}\n")
    return blocks


def find_plain_payload(text: str) -> DeliveryPayload | None:
    """The payload of a plain wrapping-token comment (the ``refuse``-less fallback), if any."""
    for match in _PLAIN.finditer(text):
        try:
            return DeliveryPayload.from_json(match.group(0))
        except DeliveryError:
            continue
    return None


def open_sealed(blocks: Sequence[str], identities: Sequence[object]) -> DeliveryPayload:
    """Decrypt the first block any of ``identities`` opens."""
    for block in blocks:
        try:
            plaintext: bytes = pyrage.decrypt(block.encode("ascii"), list(identities))
        except pyrage.DecryptError:
            continue
        return DeliveryPayload.from_json(plaintext.decode("utf-8", "replace"))
    raise DeliveryError(
        "None of your SSH keys opens this delivery. It was encrypted to the keys on your GitHub "
        "account when access was granted (the comment lists their fingerprints); pass the "
        "matching private key with --identity."
    )


def load_identity(data: bytes, source: str, passphrase: Callable[[], str] | None = None) -> object:
    """An age identity from an OpenSSH (or PEM RSA) private key file's bytes."""
    if _is_encrypted(data):
        data = _decrypt_key(data, source, passphrase)
    try:
        return pyrage.ssh.Identity.from_buffer(data)
    except pyrage.IdentityError as exc:
        raise DeliveryError(
            f"{source} is not an SSH private key that age can use ({exc}). Use your ssh-ed25519 "
            "or ssh-rsa private key, e.g. --identity ~/.ssh/id_ed25519."
        ) from None


def _is_encrypted(data: bytes) -> bool:
    text = data.decode("ascii", "replace")
    if "Proc-Type: 4,ENCRYPTED" in text or "BEGIN ENCRYPTED PRIVATE KEY" in text:
        return True
    match = re.search(r"-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END", text, re.DOTALL)
    if not match:
        return False
    try:
        blob = base64.b64decode("".join(match.group(1).split()))
    except binascii.Error:
        return False
    magic = b"openssh-key-v1\0"
    if not blob.startswith(magic) or len(blob) < len(magic) + 4:
        return False
    (length,) = struct.unpack(">I", blob[len(magic) : len(magic) + 4])
    return blob[len(magic) + 4 : len(magic) + 4 + length] != b"none"


def _decrypt_key(data: bytes, source: str, passphrase: Callable[[], str] | None) -> bytes:
    """Remove a private key's passphrase in memory (age cannot; ssh-agent cannot help, since
    age needs the key itself, not signatures)."""
    copy = "~/.ssh/jit-unwrap-key"
    workaround = (
        f"Or remove the passphrase from a private copy: cp {source} {copy} && ssh-keygen -p -N '' "
        f"-f {copy}; then run jit unwrap -i {copy} and delete {copy}."
    )
    if passphrase is None:
        raise DeliveryError(
            f"{source} is protected by a passphrase and jit cannot ask for it here. {workaround}"
        )
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization as ser

    password = passphrase().encode()
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key: Any = ser.load_ssh_private_key(data, password=password)
        else:
            key = ser.load_pem_private_key(data, password=password)
    except UnsupportedAlgorithm:
        raise DeliveryError(
            f"{source} is protected by a passphrase; opening it needs the Python package "
            f"bcrypt (pip install bcrypt). {workaround}"
        ) from None
    except (ValueError, TypeError):
        raise DeliveryError(
            f"The passphrase for {source} is wrong (or the key is damaged)."
        ) from None
    opened: bytes = key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption()
    )
    return opened
