"""The ``Deliverer`` the reconciler uses: ``jit.delivery`` plus the requester's keys from GitHub.

The wrapping token is sealed to the requester's SSH keys (or, where policy allows, shown as a
single-use token) only inside ``comment``; it is never returned to the caller in any other form,
logged or stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from jit.delivery import (
    DeliveryPayload,
    choose_delivery,
    delivery_marker,
    render_delivery_comment,
    render_plain_token_comment,
    render_refusal_comment,
    seal,
)
from jit.delivery import DeliveryPlan as Chosen
from jit.model import DeliveryFallback
from jit.ports import GitHubPort, Issued
from jit.reconcile.runtime import DeliveryPlan
from jit.reconcile.state import GrantRecord, parse_time

_METHODS = {"age": "age-ssh", "wrapping-token": "wrapping-token", "refuse": "refused"}


class SshDeliverer:
    def __init__(
        self,
        github: GitHubPort,
        vault_addr: str,
        vault_namespace: str | None,
        wrap_ttl: int,
        clock: Callable[[], datetime],
    ) -> None:
        self.github = github
        self.vault_addr = vault_addr
        self.vault_namespace = vault_namespace
        self.wrap_ttl = wrap_ttl
        self.clock = clock
        self._keys: dict[str, tuple[str, ...]] = {}  # per run: keys do not change mid-run

    def plan(self, login: str, fallback: DeliveryFallback) -> DeliveryPlan:
        if login.lower() not in self._keys:
            self._keys[login.lower()] = tuple(self.github.ssh_keys(login))
        chosen = choose_delivery(self._keys[login.lower()], fallback)
        return DeliveryPlan(
            method=_METHODS[chosen.method],
            fingerprints=tuple(k.fingerprint for k in chosen.recipients),
            chosen=chosen,
        )

    def marker(self, grant_id: str) -> str:
        return delivery_marker(grant_id)

    def comment(self, plan: DeliveryPlan, record: GrantRecord, issued: Issued) -> str:
        chosen = plan.chosen
        if not isinstance(chosen, Chosen) or not issued.wrap_token:
            raise ValueError(f"grant {record.grant_id}: nothing to deliver with {plan.method}")
        payload = DeliveryPayload(
            vault_addr=self.vault_addr,
            vault_namespace=self.vault_namespace,
            wrap_token=issued.wrap_token,
            grant_id=record.grant_id,
            expires_at=record.expires_at.isoformat(),
        )
        unwrap_by = self.clock() + timedelta(seconds=issued.wrap_ttl or self.wrap_ttl)
        asked = record.details.get("requested_expires_at")
        asked_until = parse_time(asked) if isinstance(asked, str) else None
        if chosen.method == "age":
            return render_delivery_comment(
                grant_id=record.grant_id,
                requester=record.requester,
                resource=record.resource,
                expires_at=record.expires_at,
                unwrap_by=unwrap_by,
                armored=seal(payload, chosen.recipients),
                plan=chosen,
                asked_until=asked_until,
            )
        if chosen.method == "wrapping-token":
            return render_plain_token_comment(
                grant_id=record.grant_id,
                requester=record.requester,
                resource=record.resource,
                expires_at=record.expires_at,
                unwrap_by=unwrap_by,
                payload=payload,
                plan=chosen,
                asked_until=asked_until,
            )
        raise ValueError(f"grant {record.grant_id}: delivery was refused")

    def refusal(self, plan: DeliveryPlan, grant_id: str, requester: str, resource: str) -> str:
        chosen = plan.chosen
        assert isinstance(chosen, Chosen)
        return render_refusal_comment(
            grant_id=grant_id, requester=requester, resource=resource, plan=chosen
        )
