"""Crash recovery, for an ``issuing`` record whose run died (claimed by this run first):

- a Vault group or a Kubernetes binding (no secret) is looked for by its deterministic name
  (``find``): if found, it is adopted as the grant; if not, it is issued now.
- a token or a lease is never searched for: its handle is recorded in the intent before it is
  delivered (``issue``). With a recorded handle, its wrapping token died with the run, so the
  requester may never get the secret: revoke exactly that, record it (``grant-failed`` with the
  grant id), and issue afresh. Without one, the dead run issued nothing, or created a token in
  the moment before recording it: that token was never delivered, nobody holds it, and it ends
  at its TTL (the grant's end). jit records that it is unreachable and issues afresh. So
  recovery costs a few calls per unfinished grant, and the job needs no ``sudo`` and no list of
  Vault's tokens.

An intent whose request was withdrawn or expired before it was issued is cleaned up instead:
whatever a crashed run issued (and jit can reach) is revoked, and the record is closed.
"""

from __future__ import annotations

from collections.abc import Mapping

from jit.audit import entries
from jit.errors import JitError
from jit.model import Resource
from jit.reconcile.changes import Change, Guard
from jit.reconcile.intents import ISSUING
from jit.reconcile.issue import Payload, Recorder, failed, give_up, granted, issue, retryable
from jit.reconcile.runtime import SECRET_KINDS, DeliveryPlan, RunContext
from jit.reconcile.state import GrantRecord


def resume(
    ctx: RunContext, record: GrantRecord, record_handles: Recorder, dead_run: str = ""
) -> Change:
    """Finish an intent a dead run left behind (this run has claimed it). ``dead_run``: the
    run that owned it, if it died rather than releasing it."""
    resource = _resource_or_report(ctx, record)
    if resource is None:
        return _release(ctx, record)
    if record.kind in SECRET_KINDS:
        lead = _end_earlier_secret(ctx, record, dead_run)
        if not isinstance(lead, tuple):
            return lead
        record = record.evolve(handle=None)
    else:
        try:
            found = ctx.backend(record.kind).find(ctx.order(record, resource))
        except JitError as exc:
            return failed(ctx, record, f"looking for an earlier issue: {exc}", retryable(exc))
        if found is not None:
            ctx.report.notes.append(f"{record.grant_id}: adopted what a crashed run had issued")
            return granted(ctx, record, found, DeliveryPlan(method="none"), ())
        lead = ()
    delivery = DeliveryPlan(method="none")
    if record.kind in SECRET_KINDS:
        try:
            delivery = ctx.deliverer.plan(record.requester, ctx.fallback(resource))
        except JitError as exc:
            return failed(ctx, record, f"fetching SSH keys: {exc}", True, lead)
        if delivery.method == "refused":
            body = ctx.deliverer.refusal(delivery, record.grant_id, record.requester, resource.id)
            return give_up(
                ctx,
                record,
                "No usable SSH key to deliver the secret to; nothing was issued, and the "
                "request stays pending until the requester adds one.",
                lead,
                retire=False,
                comment=(record.pr, ctx.deliverer.marker(record.grant_id), body),
            )
    return issue(ctx, record, resource, delivery, record_handles, lead)


def _end_earlier_secret(
    ctx: RunContext, record: GrantRecord, dead_run: str
) -> tuple[Payload, ...] | Change:
    """Revoke the secret an earlier attempt recorded (its wrapping token is out of reach), or
    record that one created before it could be recorded is unreachable. The audit entries to
    lead with, or the failure that keeps the intent for the next run."""
    if record.handle:
        try:
            outcome = ctx.backend(record.kind).revoke(record.kind, record.handle)
        except JitError as exc:
            return failed(ctx, record, f"revoking an undeliverable earlier issue: {exc}", True)
        return (
            entries.grant_failed(
                request_id=record.request_id,
                grant_id=record.grant_id,
                error=f"An earlier run issued {_describe(record.handle)} but did not record it "
                f"as delivered, so the requester may never get it; jit revoked it ({outcome}) "
                "and issued afresh.",
                retryable=True,
            ),
        )
    if not dead_run:
        return ()
    ctx.report.notes.append(
        f"{record.grant_id}: run {dead_run} died before recording what it issued; anything it "
        "created is unreachable (never delivered) and ends at its TTL, "
        f"{record.expires_at:%Y-%m-%d %H:%M:%S}Z"
    )
    return (
        entries.grant_failed(
            request_id=record.request_id,
            grant_id=record.grant_id,
            error=_unreachable(record, dead_run),
            retryable=True,
        ),
    )


def _unreachable(record: GrantRecord, dead_run: str) -> str:
    return (
        f"Run {dead_run} died after its intent and before recording a handle. If it created a "
        "token in that moment, the token is unreachable: it was never delivered, its wrapping "
        "token died with the run, so nobody holds it, and Vault ends it at its TTL, "
        f"{record.expires_at:%Y-%m-%d %H:%M:%S}Z."
    )


def abandon(ctx: RunContext, record: GrantRecord, reason: str, dead_run: str = "") -> Change:
    """An intent whose request was withdrawn or expired before it was issued: clean up."""
    lead: tuple[Payload, ...] = ()
    if record.kind in SECRET_KINDS:
        try:
            if record.handle:
                ctx.backend(record.kind).revoke(record.kind, record.handle)
        except JitError as exc:
            return failed(ctx, record, f"cleaning up an unfinished grant: {exc}", retryable(exc))
        if not record.handle and dead_run:
            lead = (
                entries.grant_failed(
                    request_id=record.request_id,
                    grant_id=record.grant_id,
                    error=_unreachable(record, dead_run),
                    retryable=False,
                ),
            )
        gone = bool(record.handle)
    else:
        resource = _resource_or_report(ctx, record)
        if resource is None:
            return _release(ctx, record)
        try:
            backend = ctx.backend(record.kind)
            found = backend.find(ctx.order(record, resource))
            if found is not None:
                backend.revoke(record.kind, found.handle)
        except JitError as exc:
            return failed(ctx, record, f"cleaning up an unfinished grant: {exc}", retryable(exc))
        gone = found is not None
    what = "jit revoked what a crashed run had issued" if gone else "nothing was issued"
    if lead:
        what = "anything it created before recording it is unreachable and ends at its TTL"
    return give_up(ctx, record, f"The request was {reason} before it was issued; {what}.", lead)


def _release(ctx: RunContext, record: GrantRecord) -> Change:
    """Give back a claimed intent this run could not act on, so the next run tries at once."""
    return Change(
        action="release",
        summary=f"left {record.grant_id} for the next run",
        guard=Guard(record.grant_id, ISSUING, owner=ctx.run_id),
        write=(record.evolve(run_id=""),),
        grant_id=record.grant_id,
        pr=record.pr,
    )


def _resource_or_report(ctx: RunContext, record: GrantRecord) -> Resource | None:
    resource = ctx.resource(record)
    if resource is None:
        ctx.report.failed.append(
            f"{record.grant_id}: an unfinished grant of resource {record.resource!r}, which is "
            "no longer in policies/; jit cannot look for what may have been issued. Restore the "
            "resource so the next run can finish or clean up."
        )
    return resource


def _describe(handle: Mapping[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(handle.items()))
