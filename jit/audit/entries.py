"""The audit entry types: typed constructors for payloads, and the checks ``append`` applies.

This is the contract between the reconciler (which writes) and ``jit audit verify|report``
and auditors' ``jq`` (which read). Required members are always present (``null`` where
unknown); optional ones are left out when ``None``. Timestamps are RFC 3339 UTC with ``Z``.

Lifecycle of one grant, in chain order::

    requested -> issuing -> granted -> delivery -> ... -> revoked
                        \\-> grant-failed (nothing live; retried next run)
    requested -> denied
    revoke-failed (any number, while revocation is retried) before the one revoked

A credential found orphaned after a crash between ``issuing`` and ``granted`` is either
adopted (``granted``) or cleaned up and recorded as ``grant-failed`` with its ``grant_id``;
never as ``revoked``, which closes a *granted* grant and appears exactly once per grant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from jit.audit.canon import RESERVED, format_ts
from jit.redact import SECRET_VALUE, redact_secrets, text_refusal

RevokeReason = Literal["expired", "withdrawn", "out-of-band"]
#: Who withdrew a grant, judged by main's policies and team memberships when it was revoked.
ByRole = Literal["requester", "revoker", "neither"]
BY_ROLES: frozenset[str] = frozenset({"requester", "revoker", "neither"})
DeliveryMethod = Literal["age-ssh", "wrapping-token", "refused", "none"]
Payload = dict[str, object]

#: type -> required members (besides "type"). Optional ones are listed in OPTIONAL.
REQUIRED: dict[str, frozenset[str]] = {
    "requested": frozenset({"request_id", "requester", "resource", "pr", "merge_commit"}),
    "denied": frozenset({"request_id", "requester", "resource", "pr", "reasons"}),
    "issuing": frozenset({"grant_id", "request_id", "kind"}),
    "granted": frozenset(
        {
            "grant_id",
            "request_id",
            "requester",
            "resource",
            "kind",
            "pr",
            "merge_commit",
            "approvers",
            "auto_approved",
            "granted_at",
            "expires_at",
            "handle",
            "reason",  # from v2: the requester's justification, as merged
            "ticket",  # from v2: null when the request names none
            "not_before",  # from v2: null when the request sets none
        }
    ),
    "delivery": frozenset({"grant_id", "method"}),
    "grant-failed": frozenset({"request_id", "error", "retryable"}),
    "revoked": frozenset({"grant_id", "reason", "revoked_at", "lag_seconds"}),
    "revoke-failed": frozenset({"grant_id", "error", "attempt"}),
    "drift": frozenset({"what"}),
}
OPTIONAL: dict[str, frozenset[str]] = {
    # A service (Vault) ends the access before the grant's end: ``expires_at`` is its end,
    # ``requested_expires_at`` the end the request asked for.
    "granted": frozenset({"requested_expires_at"}),
    "delivery": frozenset({"recipients_fingerprints"}),
    "grant-failed": frozenset({"grant_id"}),
    "revoked": frozenset({"by", "by_role"}),
    "drift": frozenset({"grant_id"}),
}
ENTRY_TYPES = frozenset(REQUIRED)

_SECRET_KEY_PARTS = ("secret", "password", "passwd", "passphrase", "credential", "private")


class SecretInAuditError(ValueError):
    """A payload would put something secret-looking into the audit log. Always a bug in jit:
    the message names the member, never its value."""


def is_secret_key(key: str) -> bool:
    """``token``, ``client_token``, ``wrap_token``, ``secret_id``, ``password``, ...;
    but not ``accessor`` or ``token_role`` (metadata, not secrets)."""
    lowered = key.lower().replace("-", "_")
    return lowered.endswith("token") or any(part in lowered for part in _SECRET_KEY_PARTS)


def check_payload(payload: Mapping[str, object]) -> None:
    """Raise ValueError (SecretInAuditError for secrets) unless ``payload`` fits the contract."""
    kind = payload.get("type")
    if kind not in REQUIRED:
        raise ValueError(f"audit payload type {kind!r} is not one of {sorted(ENTRY_TYPES)}")
    assert isinstance(kind, str)
    _check_value(payload, kind)
    missing = REQUIRED[kind] - payload.keys()
    if missing:
        raise ValueError(f"audit {kind!r} payload lacks {sorted(missing)}")
    unknown = payload.keys() - REQUIRED[kind] - OPTIONAL.get(kind, frozenset()) - {"type"}
    if unknown:
        raise ValueError(f"audit {kind!r} payload has unknown members {sorted(unknown)}")
    if "by_role" in payload:
        _check_by_role(payload)


def _check_by_role(payload: Mapping[str, object]) -> None:
    role = payload["by_role"]
    if role not in BY_ROLES:
        raise ValueError(
            f"audit 'revoked' payload: by_role {role!r} is not one of {sorted(BY_ROLES)}; "
            "leave it out when the role is unknown"
        )
    if not isinstance(payload.get("by"), str):
        raise ValueError("audit 'revoked' payload: by_role needs by, the login it describes")


def _check_value(value: object, where: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"audit payload {where}: keys must be strings, got {key!r}")
            if key in RESERVED:
                raise ValueError(f"audit payload {where}: {key!r} is assigned by the log")
            if is_secret_key(key):
                raise SecretInAuditError(
                    f"audit payload {where}.{key}: refusing a secret-looking member; the audit "
                    "log records handles (accessor, lease id), never credentials"
                )
            _check_value(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")
    elif isinstance(value, str):
        why = text_refusal(value)
        if why is not None:
            error = SecretInAuditError if SECRET_VALUE.search(value) else ValueError
            raise error(f"audit payload {where}: {why}; refusing to log it")
    elif not (value is None or isinstance(value, bool | int)):
        raise ValueError(
            f"audit payload {where}: {type(value).__name__} is not allowed (strings, integers, "
            "booleans, null, lists and objects only)"
        )


def _without_none(payload: Payload, optional: Sequence[str]) -> Payload:
    return {k: v for k, v in payload.items() if not (k in optional and v is None)}


def requested(
    *, request_id: str, requester: str, resource: str, pr: int | None, merge_commit: str | None
) -> Payload:
    return {
        "type": "requested",
        "request_id": request_id,
        "requester": requester,
        "resource": resource,
        "pr": pr,
        "merge_commit": merge_commit,
    }


def denied(
    *, request_id: str, requester: str, resource: str, pr: int | None, reasons: Sequence[str]
) -> Payload:
    return {
        "type": "denied",
        "request_id": request_id,
        "requester": requester,
        "resource": resource,
        "pr": pr,
        "reasons": list(reasons),
    }


def issuing(*, grant_id: str, request_id: str, kind: str) -> Payload:
    return {"type": "issuing", "grant_id": grant_id, "request_id": request_id, "kind": kind}


def granted(
    *,
    grant_id: str,
    request_id: str,
    requester: str,
    resource: str,
    kind: str,
    pr: int,
    merge_commit: str,
    approvers: Sequence[str],
    auto_approved: bool,
    granted_at: datetime,
    expires_at: datetime,
    handle: Mapping[str, str],
    requested_expires_at: datetime | None = None,
    reason: str | None = None,
    ticket: str | None = None,
    not_before: datetime | None = None,
) -> Payload:
    """``reason`` and ``ticket`` are the request's, as merged; secret-looking parts are
    redacted here too, so hostile text that slipped past the validators cannot make the log
    refuse the run's result. ``requested_expires_at`` is set only when Vault ended the access
    before the grant's end (``expires_at`` is then Vault's end)."""
    payload: Payload = {
        "type": "granted",
        "grant_id": grant_id,
        "request_id": request_id,
        "requester": requester,
        "resource": resource,
        "kind": kind,
        "pr": pr,
        "merge_commit": merge_commit,
        "approvers": sorted(approvers),
        "auto_approved": auto_approved,
        "granted_at": format_ts(granted_at),
        "expires_at": format_ts(expires_at),
        "handle": dict(handle),
        "reason": None if reason is None else redact_secrets(reason),
        "ticket": None if ticket is None else redact_secrets(ticket),
        "not_before": None if not_before is None else format_ts(not_before),
    }
    if requested_expires_at is not None:
        payload["requested_expires_at"] = format_ts(requested_expires_at)
    return payload


def delivery(
    *, grant_id: str, method: DeliveryMethod, recipients_fingerprints: Sequence[str] | None = None
) -> Payload:
    fingerprints = None if recipients_fingerprints is None else list(recipients_fingerprints)
    return _without_none(
        {
            "type": "delivery",
            "grant_id": grant_id,
            "method": method,
            "recipients_fingerprints": fingerprints,
        },
        ["recipients_fingerprints"],
    )


def grant_failed(
    *, request_id: str, error: str, retryable: bool, grant_id: str | None = None
) -> Payload:
    return _without_none(
        {
            "type": "grant-failed",
            "request_id": request_id,
            "grant_id": grant_id,
            "error": error,
            "retryable": retryable,
        },
        ["grant_id"],
    )


def revoked(
    *,
    grant_id: str,
    reason: RevokeReason,
    revoked_at: datetime,
    lag_seconds: int,
    by: str | None = None,
    by_role: ByRole | None = None,
) -> Payload:
    return _without_none(
        {
            "type": "revoked",
            "grant_id": grant_id,
            "reason": reason,
            "by": by,
            "by_role": by_role,
            "revoked_at": format_ts(revoked_at),
            "lag_seconds": lag_seconds,
        },
        ["by", "by_role"],
    )


def revoke_failed(*, grant_id: str, error: str, attempt: int) -> Payload:
    return {"type": "revoke-failed", "grant_id": grant_id, "error": error, "attempt": attempt}


def drift(*, what: str, grant_id: str | None = None) -> Payload:
    return _without_none({"type": "drift", "grant_id": grant_id, "what": what}, ["grant_id"])
