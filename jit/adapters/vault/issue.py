"""Issuing the three Vault grant kinds. Used by ``VaultBackend.issue``.

The job never sees a granted secret: a vault-token is created *wrapped*, and vault-credentials
are read *response-wrapped* by the holder token. So every wrapping token jit delivers was created
at a path only the job's policies can use (``auth/token/create/<role>``, the resource's creds
path), which ``jit unwrap`` checks (ADR 0008); jit never uses ``sys/wrapping/wrap``, where any
token can wrap data of its choosing. No log line or exception message includes a token, a
password or a wrapping token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from jit.adapters.vault.client import Json, VaultHttp, VaultRequestError
from jit.errors import JitError, OperationalError
from jit.model import VaultCredentials, VaultSettings, VaultToken
from jit.ports import GrantOrder, Issued

log = logging.getLogger("jit.vault")


def grant_meta(order: GrantOrder) -> dict[str, str]:
    """Token and group metadata: names the grant, so a crashed run's objects can be found."""
    return {
        "jit_grant": order.grant_id,
        "jit_request": order.request_id,
        "requester": order.requester,
        "pr": str(order.pr),
    }


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def where(order: GrantOrder) -> str:
    res = order.resource
    place = f"{res.source}:{res.line}" if res.source and res.line else res.source or "policies/"
    return f"resource {res.id!r} ({place})"


def _auth(answer: Json | None) -> Json:
    auth = (answer or {}).get("auth")
    return auth if isinstance(auth, dict) else {}


def _token_body(order: GrantOrder, policies: Sequence[str]) -> Json:
    ttl = f"{order.ttl_seconds}s"
    return {
        "policies": list(policies),
        "ttl": ttl,
        "explicit_max_ttl": ttl,
        "renewable": False,
        "meta": grant_meta(order),
        "display_name": f"jit-{order.grant_id}",
    }


def _refuse_parented(http: VaultHttp, accessor: str, role: str, orphan: object) -> None:
    """A token with a parent dies with the job's short-lived login token: never hand one out."""
    if orphan is True:
        return
    http.call("POST", "auth/token/revoke-accessor", body={"accessor": accessor})
    raise JitError(
        f"Vault token role {role!r} does not create orphan tokens, so a granted token would end "
        f"with the job's own login. Set it with: vault write auth/token/roles/{role} orphan=true"
    )


def issue_token(
    http: VaultHttp, order: GrantOrder, spec: VaultToken, settings: VaultSettings
) -> Issued:
    role = spec.token_role or settings.token_role
    path = f"auth/token/create/{role}"
    try:
        answer = http.call(
            "POST",
            path,
            body=_token_body(order, spec.policies),
            wrap_ttl=settings.wrap_ttl,
            idempotent=False,
        )
    except VaultRequestError as err:
        if err.status == 400:
            raise JitError(
                f"Vault refused to create the token for {where(order)}: {'; '.join(err.errors)}. "
                f"Check that token role {role!r} exists and allows policies {list(spec.policies)}."
            ) from None
        raise
    info = (answer or {}).get("wrap_info") or {}
    accessor, wrap_token = info.get("wrapped_accessor"), info.get("token")
    if not accessor or not wrap_token:
        leaked = _auth(answer).get("accessor")
        if leaked:  # Vault (or a proxy) ignored X-Vault-Wrap-TTL: the token must not live
            http.call("POST", "auth/token/revoke-accessor", body={"accessor": leaked})
            raise OperationalError(
                f"Vault did not wrap the token created at {path}; it was revoked unused. Check "
                "that nothing between jit and Vault drops the X-Vault-Wrap-TTL header."
            )
        raise OperationalError(
            f"Vault answered {path} without a wrapping token; retrying next run."
        )
    looked = (
        http.call("POST", "auth/token/lookup-accessor", body={"accessor": accessor}) or {}
    ).get("data") or {}
    _refuse_parented(http, accessor, role, looked.get("orphan"))
    log.info(
        "issued vault-token %s for %s (accessor %s)", order.grant_id, order.requester, accessor
    )
    return Issued(
        kind="vault-token",
        handle={"accessor": accessor},
        wrap_token=wrap_token,
        wrap_ttl=int(info.get("ttl") or settings.wrap_ttl),
        details={
            "token_role": role,
            "policies": list(looked.get("policies") or spec.policies),
            "expire_time": looked.get("expire_time"),
            "explicit_max_ttl": looked.get("explicit_max_ttl"),
            "token_ttl": looked.get("creation_ttl"),  # what Vault gave, maybe capped
        },
    )


def _read_wrapped(
    holder: VaultHttp, order: GrantOrder, spec: VaultCredentials, wrap_ttl: int
) -> Json | None:
    """Read the secret response-wrapped: Vault creates the lease for the holder token and hands
    back only a wrapping token whose creation path is the creds path."""
    path = spec.path.strip("/")
    try:
        if spec.parameters:
            body = {**dict(spec.parameters), "ttl": f"{order.ttl_seconds}s"}
            return holder.call("POST", path, body=body, wrap_ttl=wrap_ttl, idempotent=False)
        return holder.call("GET", path, wrap_ttl=wrap_ttl, idempotent=False)
    except VaultRequestError as err:
        if err.status in (400, 404):
            raise JitError(
                f"Vault refused {path} for {where(order)}: {'; '.join(err.errors)}. Check the "
                "resource's grant path and parameters, and the secrets engine role."
            ) from None
        raise


def _discard_holder(http: VaultHttp, accessor: str) -> None:
    """Revoke a holder token (and so any lease it created) after a failed issue; best effort."""
    try:
        http.call("POST", "auth/token/revoke-accessor", body={"accessor": accessor})
    except VaultRequestError as err:
        log.warning("could not revoke holder token %s after a failed issue: %s", accessor, err)


def issue_credentials(
    http: VaultHttp,
    order: GrantOrder,
    spec: VaultCredentials,
    settings: VaultSettings,
    holder_policies: Sequence[str],
    now: Callable[[], datetime],
) -> Issued:
    """Read a dynamic secret through a *holder* token, response-wrapped for delivery.

    Vault revokes a lease when the token that created it ends. The job's login token lives
    minutes, so the lease is created by an orphan holder token whose ``explicit_max_ttl`` is
    the grant's end: Vault then ends the credential at ``expires_at`` at the latest, even when
    the engine's own lease runs longer. The read is response-wrapped, so the job never sees the
    secret nor its lease id: the grant's handle is the holder token, whose revocation revokes
    the lease with it.
    """
    role = settings.token_role
    try:
        created = http.call(
            "POST",
            f"auth/token/create/{role}",
            body=_token_body(order, holder_policies),
            idempotent=False,
        )
    except VaultRequestError as err:
        if err.status == 400:
            raise JitError(
                f"Vault refused the holder token for {where(order)}: {'; '.join(err.errors)}. "
                f"Token role {role!r} must allow the policies {list(holder_policies)}."
            ) from None
        raise
    auth = _auth(created)
    holder_accessor, holder_token = str(auth.get("accessor", "")), str(auth.get("client_token", ""))
    _refuse_parented(http, holder_accessor, role, auth.get("orphan"))
    holder_ttl = int(auth.get("lease_duration") or 0)  # what Vault gave, maybe capped
    del created, auth
    try:
        policy = (
            f"The holder token's policy ({', '.join(holder_policies)}, via token role {role!r})"
        )
        holder = http.with_token(holder_token, policy)
        wrapped = _read_wrapped(holder, order, spec, settings.wrap_ttl) or {}
        info: dict[str, Any] = wrapped.get("wrap_info") or {}
        if not info.get("token"):
            wrapped.clear()  # a secret Vault answered unwrapped is never kept
            raise OperationalError(
                f"Vault answered {spec.path} without a wrapping token; what it returned was "
                "discarded and the holder token, with any lease, revoked. Check that nothing "
                "between jit and Vault drops the X-Vault-Wrap-TTL header; the next run retries."
            )
    except JitError:  # VaultRequestError and OperationalError included
        _discard_holder(http, holder_accessor)
        raise
    log.info(
        "issued vault-credentials %s for %s (holder %s)",
        order.grant_id,
        order.requester,
        holder_accessor,
    )
    return Issued(
        kind="vault-credentials",
        handle={"accessor": holder_accessor},
        wrap_token=str(info.get("token", "")),
        wrap_ttl=int(info.get("ttl") or settings.wrap_ttl),
        details={
            "path": spec.path.strip("/"),
            # What Vault gave the holder token (a mount or role max TTL may have cut it): the
            # credentials end with it. The lease itself is hidden from the job (the read is
            # response-wrapped); a lease shorter than the grant is told to the requester by
            # jit unwrap.
            "holder_ttl": holder_ttl,
            # The holder token ends the lease at expires_at, whatever the engine's lease TTL.
            "ends_by": iso(order.expires_at),
        },
    )
