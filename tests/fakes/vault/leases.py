"""Leases: issue, lookup, renew, revoke, list, and expiry by the clock (NOTES §2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tests.fakes.vault.routing import route
from tests.fakes.vault.wire import Reply, Req, bad_request, no_content, not_found, ok, rfc3339

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault


@dataclass
class Lease:
    id: str
    token_id: str  # the token that created it; revoking that token revokes this lease
    issue_time: datetime
    expire_time: datetime
    max_expire_time: datetime
    renewable: bool
    last_renewal: datetime | None = None
    path: str = ""  # the request path that created it

    def ttl(self, now: datetime) -> int:
        return max(0, int((self.expire_time - now).total_seconds()))

    def data(self, now: datetime) -> dict[str, object]:
        return {
            "id": self.id,
            "issue_time": rfc3339(self.issue_time),
            "expire_time": rfc3339(self.expire_time),
            "last_renewal": rfc3339(self.last_renewal),
            "path": self.path,
            "renewable": self.renewable,
            "ttl": self.ttl(now),
        }


class LeaseStore:
    def __init__(self, vault: FakeVault) -> None:
        self._vault = vault
        self._leases: dict[str, Lease] = {}
        #: Lease ids revoked so far, in order (by revoke, by token revocation or by expiry).
        self.revoked: list[str] = []

    def issue(self, path: str, token_id: str, ttl: int, max_ttl: int, renewable: bool) -> Lease:
        now = self._vault.clock.now()
        lease_id = f"{path}/{self._vault.ids.base62(24)}"
        if self._vault.namespace:
            lease_id += f".{self._vault.namespace_id}"
        lease = Lease(
            id=lease_id,
            token_id=token_id,
            issue_time=now,
            expire_time=now + timedelta(seconds=ttl),
            max_expire_time=now + timedelta(seconds=max_ttl),
            renewable=renewable,
            path=path,
        )
        self._leases[lease_id] = lease
        return lease

    def get(self, lease_id: str) -> Lease | None:
        return self._leases.get(lease_id)

    def all(self) -> list[Lease]:
        return list(self._leases.values())

    def revoke(self, lease_id: str) -> None:
        if self._leases.pop(lease_id, None) is not None:
            self.revoked.append(lease_id)

    def revoke_by_token(self, token_id: str) -> None:
        for lease in [x for x in self._leases.values() if x.token_id == token_id]:
            self.revoke(lease.id)

    def expire(self, now: datetime) -> None:
        for lease in [x for x in self._leases.values() if x.expire_time <= now]:
            self.revoke(lease.id)

    def list(self, prefix: str) -> list[str]:
        """Keys one level below ``prefix/``, as Vault lists them (folders end in ``/``)."""
        base = prefix.rstrip("/") + "/"
        keys: set[str] = set()
        for lease_id in self._leases:
            if lease_id.startswith(base):
                rest = lease_id[len(base) :]
                keys.add(rest.split("/", 1)[0] + "/" if "/" in rest else rest)
        return sorted(keys)


def _lease(v: FakeVault, req: Req, lease_id: str | None = None) -> Lease:
    lease_id = lease_id or str(req.body.get("lease_id") or "")
    if not lease_id:
        raise bad_request("lease_id must be specified")
    lease = v.leases.get(lease_id)
    if lease is None:
        raise bad_request("invalid lease")
    return lease


@route("system", "POST", "leases/lookup")
def _lookup(v: FakeVault, req: Req) -> Reply:
    return ok(_lease(v, req).data(v.clock.now()))


@route("system", "POST", "leases/renew")
def _renew(v: FakeVault, req: Req) -> Reply:
    lease_id = str(req.body.get("lease_id") or "")
    if not lease_id:
        raise bad_request("lease_id must be specified")
    lease = v.leases.get(lease_id)
    if lease is None:
        raise bad_request("lease not found")
    if not lease.renewable:
        raise bad_request("lease is not renewable")
    now = v.clock.now()
    increment = req.body.get("increment")
    seconds = int(str(increment).rstrip("s")) if increment else lease.ttl(now)
    warnings = []
    target = now + timedelta(seconds=seconds)
    if target > lease.max_expire_time:
        target = lease.max_expire_time
        warnings.append("TTL value is capped accordingly: it exceeded the effective max_ttl")
    lease.expire_time, lease.last_renewal = target, now
    return ok(
        None,
        lease_id=lease.id,
        renewable=True,
        lease_duration=lease.ttl(now),
        warnings=warnings,
    )


def _revoke(v: FakeVault, lease_id: str) -> Reply:
    if not lease_id:
        raise bad_request("lease_id must be specified")
    v.leases.revoke(lease_id)  # a missing lease is "nothing to revoke": still 204
    return no_content()


@route("system", "POST", "leases/revoke")
def _revoke_body(v: FakeVault, req: Req) -> Reply:
    return _revoke(v, str(req.body.get("lease_id") or ""))


@route("system", "POST", "leases/revoke/{url_lease_id}")
def _revoke_url(v: FakeVault, req: Req) -> Reply:
    return _revoke(v, req.params["url_lease_id"])


@route("system", "POST", "leases/revoke-prefix/{prefix}", sudo=True)
def _revoke_prefix(v: FakeVault, req: Req) -> Reply:
    base = req.params["prefix"].rstrip("/") + "/"
    for lease in v.leases.all():
        if lease.id.startswith(base):
            v.leases.revoke(lease.id)
    return no_content()


@route("system", "LIST", "leases/lookup/{prefix}/", sudo=True)
def _list(v: FakeVault, req: Req) -> Reply:
    keys = v.leases.list(req.params["prefix"])
    if not keys:
        raise not_found()
    return ok({"keys": keys})
