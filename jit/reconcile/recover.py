"""Crash recovery, for an ``issuing`` record whose run died (claimed by this run first):

- ``find`` finds nothing: nothing was issued, so issue now.
- it finds a Vault group or a Kubernetes binding (no secret): adopt it as the grant.
- it finds a token or a lease: its wrapping token died with the run, so the requester can
  never get the secret. Revoke it, record that (``grant-failed`` with the grant id), and issue
  afresh.

An intent whose request was withdrawn or expired before it was issued is cleaned up instead:
whatever a crashed run issued is revoked, and the record is closed.
"""

from __future__ import annotations

from collections.abc import Mapping

from jit.audit import entries
from jit.errors import JitError
from jit.model import Resource
from jit.reconcile.changes import Change, Guard
from jit.reconcile.intents import ISSUING
from jit.reconcile.issue import Payload, failed, give_up, granted, issue, retryable
from jit.reconcile.runtime import SECRET_KINDS, DeliveryPlan, RunContext
from jit.reconcile.state import GrantRecord


def resume(ctx: RunContext, record: GrantRecord) -> Change:
    """Finish an intent a dead run left behind (this run has claimed it)."""
    resource = _resource_or_report(ctx, record)
    if resource is None:
        return _release(ctx, record)
    try:
        backend = ctx.backend(record.kind)
        found = backend.find(ctx.order(record, resource))
    except JitError as exc:
        return failed(ctx, record, f"looking for an earlier issue: {exc}", retryable(exc))
    if found is not None and record.kind not in SECRET_KINDS:
        ctx.report.notes.append(f"{record.grant_id}: adopted what a crashed run had issued")
        return granted(ctx, record, found, DeliveryPlan(method="none"), ())
    lead: tuple[Payload, ...] = ()
    if found is not None:
        try:
            outcome = backend.revoke(record.kind, found.handle)
        except JitError as exc:
            return failed(ctx, record, f"revoking an undeliverable earlier issue: {exc}", True)
        lead = (
            entries.grant_failed(
                request_id=record.request_id,
                grant_id=record.grant_id,
                error=f"A crashed run issued {_describe(found.handle)} but its wrapping token "
                f"was lost, so it could never be delivered; jit revoked it ({outcome}) and "
                "issued afresh.",
                retryable=True,
            ),
        )
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
    return issue(ctx, record, resource, delivery, lead)


def abandon(ctx: RunContext, record: GrantRecord, reason: str) -> Change:
    """An intent whose request was withdrawn or expired before it was issued: clean up."""
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
    what = "jit revoked what a crashed run had issued" if found else "nothing was issued"
    return give_up(ctx, record, f"The request was {reason} before it was issued; {what}.")


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
