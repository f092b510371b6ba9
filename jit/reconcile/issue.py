"""Phase two of granting: issue what this run's landed intents cover, deliver, record.

A secret (a token, a lease's holder token) is recorded *before* it is delivered: its handle
(the accessor, never the token) goes into the ``issuing`` record, committed and pushed, and only
then is the secret delivered (PR comment), then the ``granted`` record committed. A run that
dies after recording leaves an intent with the handle, and the next run revokes exactly that
and re-issues (``recover``); no listing of Vault's tokens is ever needed. A run that dies in the
short window between creating and recording leaves a token nobody holds: its wrapping token
lived only in the dead run's memory, it was never delivered, and it ends at its TTL, the
grant's end. Delivering before recording could hand out a secret jit cannot find again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from jit.audit import entries
from jit.audit.canon import parse_ts
from jit.audit.entries import is_secret_key
from jit.errors import JitError
from jit.model import Resource
from jit.ports import GrantBackend, Issued
from jit.reconcile import notices
from jit.reconcile.changes import Change, Guard
from jit.reconcile.intents import ISSUING, Intent
from jit.reconcile.runtime import SECRET_KINDS, DeliveryPlan, RunContext
from jit.reconcile.state import GrantRecord, format_time, parse_time
from jit.redact import redact_secrets

Payload = Mapping[str, object]
#: Vault's TTLs are whole seconds counted from its own clock: an end this much sooner than
#: the grant's is not a cut.
END_SLACK = timedelta(seconds=60)
#: Commits and pushes ``issuing`` records that now name their handles, in one commit; returns
#: the grant ids whose record landed.
Recorder = Callable[[Sequence[GrantRecord]], set[str]]


def issue_all(ctx: RunContext, record_handles: Recorder, intents: Sequence[Intent]) -> list[Change]:
    """Issue each landed intent, each inside its own error boundary; record the handles of
    every secret in one commit; then deliver them."""
    out: list[Change] = []
    made: list[tuple[Intent, GrantBackend, Issued, GrantRecord]] = []
    for intent in intents:
        try:
            created = _create(ctx, intent.record, intent.verified.resource)
        except Exception as exc:  # noqa: BLE001 - one grant's error boundary, by design
            out.append(_bug(ctx, intent.record, exc))
            continue
        if isinstance(created, Change):
            out.append(created)
            continue
        backend, issued, record = created
        if record.kind not in SECRET_KINDS:
            out.append(granted(ctx, record, issued, intent.delivery, ()))
        else:
            made.append((intent, backend, issued, record))
    landed = _record(record_handles, [(record, issued) for _, _, issued, record in made])
    for intent, backend, issued, record in made:
        try:
            out.append(
                _deliver(ctx, backend, record, issued, intent.delivery, record.grant_id in landed)
            )
        except Exception as exc:  # noqa: BLE001 - one grant's error boundary, by design
            out.append(_bug(ctx, record.evolve(handle=dict(issued.handle)), exc))
    return out


def issue(
    ctx: RunContext,
    record: GrantRecord,
    resource: Resource,
    delivery: DeliveryPlan,
    record_handles: Recorder,
    lead: Sequence[Payload] = (),
) -> Change:
    """Issue one grant: create, record the handle of a secret, deliver it."""
    created = _create(ctx, record, resource, lead)
    if isinstance(created, Change):
        return created
    backend, issued, record = created
    if record.kind not in SECRET_KINDS:
        return granted(ctx, record, issued, delivery, lead)
    landed = _record(record_handles, [(record, issued)])
    return _deliver(ctx, backend, record, issued, delivery, record.grant_id in landed, lead)


def _create(
    ctx: RunContext, record: GrantRecord, resource: Resource, lead: Sequence[Payload] = ()
) -> tuple[GrantBackend, Issued, GrantRecord] | Change:
    try:
        backend = ctx.backend(record.kind)
        issued = backend.issue(ctx.order(record, resource))
    except JitError as exc:
        return failed(ctx, record, f"issuing: {exc}", retryable(exc), lead)
    if issued.wrap_token:
        ctx.mask(issued.wrap_token)
    return backend, issued, real_end(ctx, record, issued)


def _record(record_handles: Recorder, made: Sequence[tuple[GrantRecord, Issued]]) -> set[str]:
    if not made:
        return set()
    return record_handles([record.evolve(handle=dict(issued.handle)) for record, issued in made])


def _deliver(
    ctx: RunContext,
    backend: GrantBackend,
    record: GrantRecord,
    issued: Issued,
    delivery: DeliveryPlan,
    recorded: bool,
    lead: Sequence[Payload] = (),
) -> Change:
    """Deliver a secret whose handle is recorded (``recorded``); else revoke it unused."""
    if not recorded:
        return _undeliverable(ctx, backend, record, issued, "its handle was not recorded", lead)
    record = record.evolve(handle=dict(issued.handle))
    try:
        body = ctx.deliverer.comment(delivery, record, issued)
        ctx.github.upsert_comment(record.pr, ctx.deliverer.marker(record.grant_id), body)
    except (JitError, ValueError) as exc:
        return _undeliverable(ctx, backend, record, issued, str(exc), lead)
    return granted(ctx, record, issued, delivery, lead, delivered=True)


def real_end(ctx: RunContext, record: GrantRecord, issued: Issued) -> GrantRecord:
    """The record with the end the service reported, when that is before the grant's end (a
    Vault max TTL cut the token short): recorded, reported and told to the requester, since
    jit cannot make it last longer. The asked-for end is kept as ``requested_expires_at``."""
    ends = issued.ends_at
    if ends is None or ends >= record.expires_at - END_SLACK:
        return record
    ctx.report.notes.append(
        f"{record.grant_id}: Vault ends this {record.kind} at {ends:%Y-%m-%d %H:%M:%S}Z, "
        f"before the grant's end {record.expires_at:%Y-%m-%d %H:%M:%S}Z: a max TTL in Vault "
        "(the token auth mount's, the token role's or the secrets engine role's) is shorter. "
        "jit records Vault's end. To give whole grants, raise it (docs/admin.md: vault auth "
        "tune -max-lease-ttl=2160h token/) or lower the resource's max_duration."
    )
    details = {**record.details, "requested_expires_at": format_time(record.expires_at)}
    return record.evolve(expires_at=ends, details=details)


def _bug(ctx: RunContext, record: GrantRecord, exc: Exception) -> Change:
    why = f"unexpected {type(exc).__name__} ({exc}); this is a bug in jit, please report it"
    return failed(ctx, record, why, True)


def _undeliverable(
    ctx: RunContext,
    backend: GrantBackend,
    record: GrantRecord,
    issued: Issued,
    error: str,
    lead: Sequence[Payload],
) -> Change:
    """The secret could not be delivered: revoke it now so nothing undeliverable stays live.
    If that fails too, the intent keeps its handle and the next run revokes it by that."""
    try:
        backend.revoke(record.kind, issued.handle)
        outcome, left = "it was revoked", record.evolve(handle=None)
    except JitError:
        outcome = (
            "revoking it failed too; it was never delivered, so nobody holds it, and it ends "
            "at the grant's end at the latest (a later run revokes it once this is recorded)"
        )
        left = record.evolve(handle=dict(issued.handle))
    return failed(
        ctx, left, f"delivering the secret on PR #{record.pr}: {error}; {outcome}", True, lead
    )


def granted(
    ctx: RunContext,
    record: GrantRecord,
    issued: Issued,
    delivery: DeliveryPlan,
    lead: Sequence[Payload],
    delivered: bool = False,
) -> Change:
    now = ctx.clock()
    active = record.evolve(
        status="active",
        granted_at=now,
        handle=dict(issued.handle),
        failures=0,
        details={**record.details, **_safe(issued.details), "delivery": delivery.method},
    )
    audit = (
        *lead,
        entries.granted(
            grant_id=record.grant_id,
            request_id=record.request_id,
            requester=record.requester,
            resource=record.resource,
            kind=record.kind,
            pr=record.pr,
            merge_commit=record.merge_commit,
            approvers=record.approvers,
            auto_approved=bool(record.details.get("auto_approved", False)),
            granted_at=now,
            expires_at=record.expires_at,
            handle=dict(issued.handle),
            requested_expires_at=_requested_end(record),
            **_request_facts(record.details),
        ),
        entries.delivery(
            grant_id=record.grant_id,
            method=delivery.method,  # type: ignore[arg-type]
            recipients_fingerprints=list(delivery.fingerprints) or None,
        ),
    )
    notice = None
    if not delivered:
        notice = (record.pr, notices.marker("grant", record.grant_id), notices.granted(active))
    return Change(
        action="grant",
        summary=f"granted {record.grant_id}: {record.resource} for {record.requester} "
        f"(PR #{record.pr}) until {record.expires_at:%Y-%m-%d %H:%M:%S}Z",
        guard=Guard(record.grant_id, ISSUING, owner=ctx.run_id),
        audit=audit,
        write=(active,),
        request_id=record.request_id,
        grant_id=record.grant_id,
        pr=record.pr,
        issued=(record.kind, dict(issued.handle)),
        report=(
            "granted",
            f"{record.grant_id}: {record.resource} for {record.requester} until "
            f"{active.expires_at:%Y-%m-%d %H:%M:%S}Z (PR #{record.pr})",
        ),
        comment=notice,
    )


def failed(
    ctx: RunContext,
    record: GrantRecord,
    error: str,
    retryable: bool,
    lead: Sequence[Payload] = (),
) -> Change:
    error = redact_secrets(error)  # a backend's message may echo what it was sent
    ctx.report.failed.append(f"{record.grant_id}: {error} (stays pending; the next run retries)")
    return Change(
        action="grant-failed",
        summary=f"could not grant {record.grant_id} yet: {error}",
        guard=Guard(record.grant_id, ISSUING, owner=ctx.run_id),
        audit=(
            *lead,
            entries.grant_failed(
                request_id=record.request_id,
                grant_id=record.grant_id,
                error=error,
                retryable=retryable,
            ),
        ),
        # Released (no owner): this run is done with it, so the next run retries at once.
        write=(record.evolve(failures=record.failures + 1, run_id=""),),
        request_id=record.request_id,
        grant_id=record.grant_id,
        pr=record.pr,
    )


def give_up(
    ctx: RunContext,
    record: GrantRecord,
    reason: str,
    lead: Sequence[Payload] = (),
    *,
    retire: bool = True,
    comment: tuple[int, str, str] | None = None,
) -> Change:
    """Close an intent with nothing live behind it (and retire its request file)."""
    ctx.report.notes.append(f"{record.grant_id}: closed without a grant: {reason}")
    return Change(
        action="close",
        summary=f"closed {record.grant_id} without a grant: {reason}",
        guard=Guard(record.grant_id, ISSUING, owner=ctx.run_id),
        audit=(
            *lead,
            entries.grant_failed(
                request_id=record.request_id,
                grant_id=record.grant_id,
                error=reason,
                retryable=False,
            ),
        ),
        close=(record.grant_id,),
        retire=(record.request_path,) if retire else (),
        retire_if_added_by=record.added_commit,
        request_id=record.request_id,
        grant_id=record.grant_id,
        pr=record.pr,
        comment=comment
        or (
            record.pr,
            notices.marker("closed", record.grant_id),
            notices.closed(record, reason),
        ),
    )


def _requested_end(record: GrantRecord) -> datetime | None:
    asked = record.details.get("requested_expires_at")
    return parse_time(asked) if isinstance(asked, str) else None


def retryable(exc: JitError) -> bool:
    return bool(getattr(exc, "retryable", False))


def _request_facts(details: Mapping[str, object]) -> dict[str, Any]:
    """``request_facts`` back from a record's details (absent in intents written before)."""
    reason, ticket, not_before = (details.get(k) for k in ("reason", "ticket", "not_before"))
    return {
        "reason": reason if isinstance(reason, str) else None,
        "ticket": ticket if isinstance(ticket, str) else None,
        "not_before": parse_ts(not_before) if isinstance(not_before, str) else None,
    }


def _safe(details: Mapping[str, object]) -> dict[str, object]:
    """Non-secret scalar facts only (lease duration, role, subject ...)."""
    return {
        k: v
        for k, v in details.items()
        if not is_secret_key(k) and (v is None or isinstance(v, str | int | bool))
    }
