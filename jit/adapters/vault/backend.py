"""``VaultBackend``: the ``GrantBackend`` for vault-token, vault-credentials and vault-group.

Handles (recorded in the grant record; none of them is a secret):

- vault-token: ``{"accessor": <wrapped token's accessor>}``
- vault-credentials: ``{"accessor": <holder token's accessor>}``: the secret is read
  response-wrapped, so jit never sees its lease; revoking the holder revokes the lease (records
  written before that change also carry ``lease_id``, which revocation no longer needs)
- vault-group: ``{"group": "jit-<grant id>", "group_id": <identity group id>}``

Crash recovery (``find``): a group is found by its deterministic name. A token or a holder
token is never searched for (that would need ``LIST auth/token/accessors`` with ``sudo``, one
call per token in Vault, and would let the job enumerate every token): the reconciler records
its accessor before delivering it and revokes by that (``jit.reconcile.issue``). ``find`` answers
None for them. Tokens still carry ``meta.jit_grant``, for people reading Vault's audit device.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import hvac

from jit.adapters.vault.client import NO_TOKEN, Json, VaultHttp, VaultRequestError
from jit.adapters.vault.issue import grant_meta, iso, issue_credentials, issue_token, where
from jit.errors import JitError, OperationalError
from jit.model import GrantKind, VaultCredentials, VaultGroup, VaultSettings, VaultToken
from jit.ports import GrantOrder, Issued, RevokeOutcome

log = logging.getLogger("jit.vault")
KINDS: tuple[GrantKind, ...] = ("vault-token", "vault-credentials", "vault-group")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _with_end(issued: Issued, now: datetime) -> Issued:
    """``ends_at`` from the TTLs Vault reported: the token's, or for credentials the sooner of
    the holder token's and the lease's (either ending ends the credential)."""
    ttls = [
        value
        for key in ("token_ttl", "holder_ttl", "lease_duration")
        if isinstance(value := issued.details.get(key), int) and value > 0
    ]
    return replace(issued, ends_at=now + timedelta(seconds=min(ttls))) if ttls else issued


class VaultBackend:
    def __init__(
        self,
        client: hvac.Client,
        settings: VaultSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 3,
        holder_policies: Sequence[str] = ("jit-credentials",),
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.http = VaultHttp(client, sleep=sleep, retries=retries)
        self.settings = settings
        self.holder_policies = tuple(holder_policies)
        self._now = now
        self._mount_accessor: str | None = settings.identity_mount_accessor

    # --- issue ---------------------------------------------------------------------------

    def issue(self, order: GrantOrder) -> Issued:
        now = self._now()
        if now >= order.expires_at:
            raise JitError(
                f"Grant {order.grant_id} expired at {iso(order.expires_at)} before it could be "
                "issued; nothing was issued."
            )
        # Issued late? Then the TTL still ends at expires_at, never later.
        order = replace(order, starts_at=max(order.starts_at, now))
        spec = order.resource.grant
        if isinstance(spec, VaultToken):
            return _with_end(issue_token(self.http, order, spec, self.settings), now)
        if isinstance(spec, VaultCredentials):
            issued = issue_credentials(
                self.http, order, spec, self.settings, self.holder_policies, self._now
            )
            return _with_end(issued, now)
        if isinstance(spec, VaultGroup):
            return self._issue_group(order, spec)
        raise JitError(f"the Vault backend cannot issue {spec.kind} grants ({where(order)})")

    def _identity_accessor(self) -> str:
        if self._mount_accessor is None:
            mounts = (self.http.call("GET", "sys/auth") or {}).get("data") or {}
            mount = self.settings.identity_mount.strip("/") + "/"
            accessor = (mounts.get(mount) or {}).get("accessor")
            if not accessor:
                raise JitError(
                    f"Vault has no auth method mounted at auth/{mount} (vault.identity_mount), so "
                    "vault-group grants cannot find requesters. Set vault.identity_mount or "
                    "vault.identity_mount_accessor in policies/settings.yaml."
                )
            self._mount_accessor = str(accessor)
        return self._mount_accessor

    def _issue_group(self, order: GrantOrder, spec: VaultGroup) -> Issued:
        accessor = self._identity_accessor()
        found = self.http.call(
            "POST",
            "identity/lookup/entity",
            body={"alias_name": order.requester, "alias_mount_accessor": accessor},
        )
        entity_id = ((found or {}).get("data") or {}).get("id")
        if not entity_id:
            raise OperationalError(
                f"{order.requester} has no Vault identity yet: they must log in to Vault once "
                f"through the auth/{self.settings.identity_mount} method (accessor {accessor}). "
                "Nothing is lost: the grant is retried on the next run.",
                retryable=True,
            )
        name = f"jit-{order.grant_id}"
        body: Json = {
            "type": "internal",
            "policies": list(spec.policies),
            "member_entity_ids": [entity_id],
            "metadata": {**grant_meta(order), "expires_at": iso(order.expires_at)},
        }
        path = f"identity/group/name/{name}"
        created = self.http.call("POST", path, body=body, capabilities=["create", "update"])
        group_id = ((created or {}).get("data") or {}).get("id") or self._group_id(name)
        if not group_id:
            raise OperationalError(
                f"Vault wrote {path} but cannot read it back; retrying next run."
            )
        log.info("issued vault-group %s for %s", name, order.requester)
        return Issued(
            kind="vault-group",
            handle={"group": name, "group_id": str(group_id)},
            details={"entity_id": entity_id, "policies": list(spec.policies)},
        )

    def _group(self, name: str) -> Json | None:
        try:
            answer = self.http.call("GET", f"identity/group/name/{name}")
        except VaultRequestError as err:
            if err.status == 404:
                return None
            raise
        data = (answer or {}).get("data")
        return data if isinstance(data, dict) else None

    def _group_id(self, name: str) -> str | None:
        group = self._group(name)
        return str(group["id"]) if group and group.get("id") else None

    # --- find (crash recovery) -------------------------------------------------------------

    def find(self, order: GrantOrder) -> Issued | None:
        kind = order.resource.grant.kind
        if kind == "vault-group":
            name = f"jit-{order.grant_id}"
            group = self._group(name)
            if group is None:
                return None
            handle = {"group": name, "group_id": str(group.get("id", ""))}
            return Issued(kind="vault-group", handle=handle, details={"recovered": True})
        if kind not in KINDS:
            raise JitError(f"the Vault backend cannot find {kind} grants ({where(order)})")
        return None  # tokens: recovered by the accessor the reconciler recorded, never listed

    # --- revoke and check ----------------------------------------------------------------

    def _lookup_accessor(self, accessor: str) -> Json | None:
        try:
            answer = self.http.call(
                "POST", "auth/token/lookup-accessor", body={"accessor": accessor}
            )
        except VaultRequestError as err:
            if err.status == 400 and err.says("invalid accessor"):
                return None
            raise
        return (answer or {}).get("data") or {}

    def _revoke_accessor(self, accessor: str) -> bool:
        """Revoke a token (its children and leases with it); False if it was already gone.

        Vault and OpenBao answer an accessor with no token ``200`` with the warning
        ``No token found with this accessor``; older servers said ``400 invalid accessor``.
        """
        try:
            answer = self.http.call(
                "POST", "auth/token/revoke-accessor", body={"accessor": accessor}
            )
        except VaultRequestError as err:
            if err.status == 400 and err.says("invalid accessor"):
                return False
            raise
        return not any(w == NO_TOKEN for w in (answer or {}).get("warnings") or ())

    def revoke(self, kind: GrantKind, handle: Mapping[str, str]) -> RevokeOutcome:
        if kind == "vault-token":
            gone = not self._revoke_accessor(handle["accessor"])
        elif kind == "vault-credentials":
            # Revoking the holder token revokes every lease it created (ADR 0008); a record
            # written before then may also name the lease, which goes with its holder.
            gone = not self._revoke_accessor(handle["accessor"])
        elif kind == "vault-group":
            gone = self._group(handle["group"]) is None
            if not gone:
                self.http.call("DELETE", f"identity/group/name/{handle['group']}")
        else:
            raise JitError(f"the Vault backend cannot revoke {kind} grants")
        log.info("revoke %s %s: %s", kind, dict(handle), "already gone" if gone else "revoked")
        return "already-gone" if gone else "revoked"

    def is_live(self, kind: GrantKind, handle: Mapping[str, str]) -> bool:
        if kind == "vault-token":
            return self._lookup_accessor(handle["accessor"]) is not None
        if kind == "vault-credentials":
            return self._lookup_accessor(handle["accessor"]) is not None
        if kind == "vault-group":
            return self._group(handle["group"]) is not None
        raise JitError(f"the Vault backend cannot check {kind} grants")
