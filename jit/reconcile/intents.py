"""Phase one of granting: re-verify, then write ``issuing`` intents (before anything is issued).

The intent commit is the lock: only the run whose intent reaches the remote issues. A run
whose push is rejected re-derives and drops every intent another run recorded first. Stale
intents (their run died) are claimed the same way before they are resumed or abandoned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jit.audit import entries
from jit.audit.canon import format_ts
from jit.errors import JitError, OperationalError
from jit.findings import Finding
from jit.model import Request
from jit.reconcile import notices
from jit.reconcile.changes import Change, Guard, refusal
from jit.reconcile.diff import Desired, Revocation
from jit.reconcile.merge_checks import Denied, Verified, verify
from jit.reconcile.runtime import SECRET_KINDS, DeliveryPlan, RunContext
from jit.reconcile.state import GrantRecord
from jit.redact import redact_secrets

ABSENT: frozenset[str] = frozenset()
ISSUING = frozenset({"issuing"})


@dataclass(frozen=True)
class Intent:
    """A fresh intent and what is needed to act on it once it has landed."""

    record: GrantRecord
    verified: Verified
    delivery: DeliveryPlan
    change: Change


@dataclass(frozen=True)
class Claim:
    """Take over a dead run's intent, to ``resume`` it or (with ``abandon``) clean it up."""

    record: GrantRecord  # as claimed: owned by this run
    change: Change
    abandon: Revocation | None = None
    dead_run: str = ""  # the run that owned the intent and died ("" if it released it)


@dataclass
class Intents:
    fresh: list[Intent]
    claims: list[Claim]
    denials: list[Change]


def prepare(
    ctx: RunContext,
    grant: Sequence[Desired],
    parsed: Mapping[str, tuple[Request | None, Sequence[Finding]]],
    stale: Sequence[GrantRecord],
    abandon: Sequence[Revocation],
) -> Intents:
    """Verify each new request; build intent, claim and denial changes."""
    out = Intents([], [], [])
    for item in grant:
        try:
            judged = _judge(ctx, item, parsed.get(item.path, (None, ())))
        except Exception as exc:  # noqa: BLE001 - one request's error boundary, by design
            ctx.report.failed.append(
                f"{item.request_id}: re-verifying: unexpected {type(exc).__name__} ({exc}); this "
                "is a bug in jit, please report it. The request stays pending"
            )
            continue
        if isinstance(judged, Intent):
            out.fresh.append(judged)
        elif judged is not None:
            out.denials.append(judged)
    pairs = [(r, None) for r in stale] + [(a.record, a) for a in abandon]
    for record, gone in pairs:
        claimed = record.evolve(run_id=ctx.run_id, intent_at=ctx.clock())
        change = Change(
            action="claim",
            summary=f"claimed the unfinished grant {record.grant_id} of run {record.run_id}",
            guard=Guard(record.grant_id, ISSUING, owner=record.run_id),
            write=(claimed,),
            request_id=record.request_id,
            grant_id=record.grant_id,
            pr=record.pr,
        )
        out.claims.append(Claim(claimed, change, gone, record.run_id))
    return out


def _judge(
    ctx: RunContext, item: Desired, parsed: tuple[Request | None, Sequence[Finding]]
) -> Intent | Change | None:
    """An intent, a denial, or None (the request waits; the report says why)."""
    request, findings = parsed
    if request is not None and request.resource in ctx.policies.invalid:
        ctx.report.blocked.append(
            f"{item.request_id}: resource {request.resource!r} has errors in policies/ on "
            f"{ctx.branch}, so the request is neither granted nor denied; fix the policy "
            "(`jit check` shows where) and the next run judges it"
        )
        return None
    if request is not None and request.resource not in ctx.policies.resources and ctx.policy_errors:
        where = ctx.policy_errors[0].location()
        ctx.report.blocked.append(
            f"{item.request_id}: resource {request.resource!r} is not defined in policies/, "
            f"which has errors on {ctx.branch} ({where}) and may define it; the request is "
            "neither granted nor denied until they are fixed (`jit check` shows them)"
        )
        return None
    try:
        result = verify(
            path=item.path,
            request=request,
            findings=findings,
            added_commit=item.added_commit,
            policies=ctx.policies,
            github=ctx.github,
            git=ctx.git,
            branch=ctx.branch,
            now=ctx.clock(),
        )
        if isinstance(result, Denied):
            return denial_change(item, result)
        delivery = _delivery(ctx, result)
        if delivery.method == "refused":
            _refuse(ctx, item, result, delivery)
            return None
    except OperationalError as exc:
        ctx.report.failed.append(f"{item.request_id}: re-verifying: {exc} (stays pending)")
        return None
    except JitError as exc:  # a team renamed or deleted, or the App lost "Members: read"
        ctx.report.blocked.append(
            f"{item.request_id}: re-verifying: {exc} The request is neither granted nor denied "
            "until this is fixed; the next run judges it again"
        )
        return None
    intent = _intent(ctx, item, result, delivery)
    why = refusal(intent.change)
    if why is None:
        return intent
    # The guard stays strict; its refusal denies this one request and never stops the run.
    return denial_change(
        item,
        Denied(
            item.path,
            item.request_id,
            result.request.requester,
            result.resource.id,
            result.pr,
            (
                f"The request cannot be recorded in the audit log ({why}). Rename the file or "
                "rephrase the field so it holds no credential, and open a new request.",
            ),
        ),
    )


def _delivery(ctx: RunContext, verified: Verified) -> DeliveryPlan:
    if verified.resource.grant.kind not in SECRET_KINDS:
        return DeliveryPlan(method="none")
    return ctx.deliverer.plan(verified.request.requester, ctx.fallback(verified.resource))


def _refuse(ctx: RunContext, item: Desired, v: Verified, delivery: DeliveryPlan) -> None:
    """No usable SSH key and the policy refuses a plain token: nothing is issued, the request
    stays pending (each run looks again), and the PR says how to add a key."""
    ctx.report.waiting.append(
        f"{item.request_id}: waits for {v.request.requester} to add an SSH key age can use"
    )
    body = ctx.deliverer.refusal(delivery, item.grant_id, v.request.requester, v.resource.id)
    ctx.github.upsert_comment(v.pr.number, ctx.deliverer.marker(item.grant_id), body)


def _intent(ctx: RunContext, item: Desired, v: Verified, delivery: DeliveryPlan) -> Intent:
    now = ctx.clock()
    record = GrantRecord(
        grant_id=item.grant_id,
        request_id=item.request_id,
        request_path=item.path,
        requester=v.request.requester,
        resource=v.resource.id,
        kind=v.resource.grant.kind,
        approvers=v.approvers,
        pr=v.pr.number,
        pr_url=v.pr.html_url,
        merge_commit=v.pr.merge_commit_sha or "",
        added_commit=item.added_commit,
        request_blob=v.request_blob,
        starts_at=v.starts_at,
        expires_at=v.expires_at,
        status="issuing",
        run_id=ctx.run_id,
        intent_at=now,
        details={
            "auto_approved": v.decision.auto_approved,
            "delivery": delivery.method,
            **request_facts(v.request),
        },
    )
    change = Change(
        action="intent",
        summary=f"issuing {item.grant_id}: {v.resource.id} for {record.requester} "
        f"(PR #{record.pr}) until {record.expires_at:%Y-%m-%d %H:%M:%S}Z",
        guard=Guard(item.grant_id, ABSENT, file=item.path),
        audit=(
            entries.requested(
                request_id=item.request_id,
                requester=record.requester,
                resource=record.resource,
                pr=record.pr,
                merge_commit=record.merge_commit,
            ),
            entries.issuing(grant_id=item.grant_id, request_id=item.request_id, kind=record.kind),
        ),
        write=(record,),
        request_id=item.request_id,
        grant_id=item.grant_id,
        pr=record.pr,
    )
    return Intent(record, v, delivery, change)


def denial_change(item: Desired, denied: Denied) -> Change:
    """Record a denial once, and retire the file so it is not judged again every run. Its text
    comes from a hostile file, so whatever looks like a secret is redacted before the audit log,
    the commit and the comment see it: the guard never refuses a denial."""
    pr = denied.pr.number if denied.pr else None
    request_id = redact_secrets(item.request_id)
    reasons = [redact_secrets(r) for r in denied.reasons]
    requester, resource = redact_secrets(denied.requester), redact_secrets(denied.resource)
    return Change(
        action="deny",
        summary=f"denied {request_id}" + (f" (PR #{pr})" if pr else "") + f": {reasons[0]}",
        guard=Guard(item.grant_id, ABSENT, file=item.path),
        audit=(
            entries.requested(
                request_id=request_id,
                requester=requester,
                resource=resource,
                pr=pr,
                merge_commit=denied.pr.merge_commit_sha if denied.pr else None,
            ),
            entries.denied(
                request_id=request_id,
                requester=requester,
                resource=resource,
                pr=pr,
                reasons=reasons,
            ),
        ),
        retire=(item.path,),
        retire_if_added_by=item.added_commit,
        request_id=request_id,
        grant_id=item.grant_id,
        pr=pr,
        report=("denied", f"{request_id}: {' '.join(reasons)}"),
        comment=(
            (
                pr,
                notices.marker("denied", request_id),
                notices.denied(request_id, reasons),
            )
            if pr is not None
            else None
        ),
    )


def request_facts(request: Request) -> dict[str, object]:
    """What the ``granted`` entry records of the request (kept in the intent's details, which
    is all the grant step sees of it): its reason, ticket and ``not_before``."""
    not_before = None if request.not_before is None else format_ts(request.not_before)
    ticket = None if request.ticket is None else redact_secrets(request.ticket)
    return {"reason": redact_secrets(request.reason), "ticket": ticket, "not_before": not_before}
