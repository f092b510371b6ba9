"""Delivering a secret to the requester, and only to them (ADR 0004).

Pure apart from the crypto: age-encrypt a Vault wrapping token to the requester's public SSH keys
(``choose_delivery``, ``seal``), render the PR comment, and, for ``jit unwrap``, find the armored
block in whatever was pasted and open it with an SSH private key.
"""

from __future__ import annotations

from jit.delivery.comments import (
    delivery_marker,
    render_delivery_comment,
    render_plain_token_comment,
    render_refusal_comment,
)
from jit.delivery.keys import (
    MAX_RECIPIENTS,
    SUPPORTED_KEY_TYPES,
    DeliveryMethod,
    DeliveryPlan,
    SkippedKey,
    SshKey,
    choose_delivery,
    parse_ssh_key,
)
from jit.delivery.sealing import (
    ARMOR_BEGIN,
    ARMOR_END,
    DeliveryError,
    DeliveryPayload,
    find_armored,
    find_plain_payload,
    load_identity,
    open_sealed,
    seal,
)

__all__ = [
    "ARMOR_BEGIN",
    "ARMOR_END",
    "MAX_RECIPIENTS",
    "SUPPORTED_KEY_TYPES",
    "DeliveryError",
    "DeliveryMethod",
    "DeliveryPayload",
    "DeliveryPlan",
    "SkippedKey",
    "SshKey",
    "choose_delivery",
    "delivery_marker",
    "find_armored",
    "find_plain_payload",
    "load_identity",
    "open_sealed",
    "parse_ssh_key",
    "render_delivery_comment",
    "render_plain_token_comment",
    "render_refusal_comment",
    "seal",
]
