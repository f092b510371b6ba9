"""The revoke side: end grants that expired or were withdrawn, check them gone, close them.

How each kind is revoked and checked is the backend's business (token: revoke by accessor,
then lookup fails; lease: revoke, then lookup fails; Vault group: delete, then it is gone;
Kubernetes binding: delete, then it is gone). Revoking a token also ends every lease and child
token created with it: Vault revokes those with the token, so jit need not track them.

A revocation that fails leaves the record ``revoke-pending``; it is retried every run and never
dropped while the credential may be live. A credential someone already removed is recorded as
``revoked`` with reason ``out-of-band``, not as an error.

Withdrawing is always safe, so a merged deletion is revoked whoever merged it; but the
requester is told on their PR whether the withdrawer was themselves, a revoker, or neither (a
deletion the validator refused, merged past branch protection).
"""

from __future__ import annotations

from datetime import datetime

from jit.audit import entries
from jit.audit.entries import ByRole, RevokeReason
from jit.errors import JitError, OperationalError
from jit.policy.members import same_login
from jit.pr.contents import is_member
from jit.reconcile import notices
from jit.reconcile.changes import Change, Guard
from jit.reconcile.diff import Revocation, lag_seconds
from jit.reconcile.runtime import TTL_KINDS, RunContext
from jit.reconcile.state import GrantRecord
from jit.redact import redact_secrets

LIVE = frozenset({"active", "revoke-pending"})
#: In a ``revoke-pending`` record's details: an earlier attempt reached the revoke call.
ATTEMPTED = "revoke_attempted"

Role = ByRole
_ROLE_NOTE: dict[Role, str] = {
    "requester": "the requester",
    "revoker": "a revoker",
    "neither": "neither the requester nor a revoker",
}


def revoke_isolated(ctx: RunContext, item: Revocation) -> Change:
    """``revoke`` inside this grant's own error boundary. It needs only the grant's record (not
    today's policies or request files), and whatever goes wrong with it, even a bug in jit,
    leaves this one grant ``revoke-pending`` and reported: never another grant unrevoked."""
    try:
        return revoke(ctx, item)
    except Exception as exc:  # noqa: BLE001 - one grant's error boundary, by design
        record = item.record
        return _failed(
            ctx,
            item,
            record.withdrawn_by,
            record.withdrawn_commit,
            f"unexpected {type(exc).__name__} ({exc}); this is a bug in jit, please report it",
        )


def revoke(ctx: RunContext, item: Revocation) -> Change:
    record, now = item.record, ctx.clock()
    by, commit = record.withdrawn_by, record.withdrawn_commit
    if item.reason == "withdrawn" and commit is None:
        by, commit = _withdrawer(ctx, record)
    if record.handle is None:
        return _failed(ctx, item, by, commit, "the record has no handle to revoke by")
    sent = bool(record.details.get(ATTEMPTED))
    try:
        backend = ctx.backend(record.kind)
        # Looked up first: a revoke whose response was lost and that the client retried
        # answers "already gone" although jit removed it; only what was gone before jit acted
        # (and before any earlier attempt of jit's) was removed out of band.
        was_live = backend.is_live(record.kind, record.handle)
        sent = True
        backend.revoke(record.kind, record.handle)
        if backend.is_live(record.kind, record.handle):
            raise OperationalError("it is still live after revoking")
    except JitError as exc:
        return _failed(ctx, item, by, commit, str(exc), sent)
    gone_first = not was_live and not record.details.get(ATTEMPTED)
    reason, lag = _classify(record, item.reason, gone_first, now)
    late = f", lag {lag}s" if item.reason == "expired" else ""
    role = _role(ctx, record, by) if reason == "withdrawn" else None
    who = (f" by {by}" if by else "") + (f" ({_ROLE_NOTE[role]})" if role else "")
    return Change(
        action="revoke",
        summary=f"revoked {record.grant_id} ({reason}{late}{who})",
        guard=Guard(record.grant_id, LIVE),
        audit=(
            entries.revoked(
                grant_id=record.grant_id,
                reason=reason,
                revoked_at=now,
                lag_seconds=lag,
                by=by,
                by_role=role,
            ),
        ),
        close=(record.grant_id,),
        retire=(record.request_path,),
        retire_if_added_by=record.added_commit,
        request_id=record.request_id,
        grant_id=record.grant_id,
        pr=record.pr,
        comment=(
            record.pr,
            notices.marker("revoked", record.grant_id),
            notices.revoked(record, reason, by, lag, role),
        ),
        report=(
            "revoked",
            f"{record.grant_id}: {record.resource} for {record.requester}: {reason}{late}{who}",
        ),
        lag=lag if item.reason == "expired" else None,
    )


def _classify(record: GrantRecord, why: str, gone: bool, now: datetime) -> tuple[RevokeReason, int]:
    """The recorded reason and lag. ``gone``: it was gone before jit tried to revoke it. Lag is
    how long access outlived ``expires_at``: a token or lease Vault already ended by its own
    TTL outlived it by nothing; otherwise the sweep's revocation time bounds it. A group or
    binding that was already gone was removed by someone else: ``out-of-band``, not an error."""
    expired = why == "expired"
    if expired and gone and record.kind in TTL_KINDS:
        return "expired", 0
    lag = lag_seconds(record.expires_at, now) if expired else 0
    reason: RevokeReason = "out-of-band" if gone else ("expired" if expired else "withdrawn")
    return reason, lag


def _failed(
    ctx: RunContext,
    item: Revocation,
    by: str | None,
    commit: str | None,
    error: str,
    sent: bool = False,
) -> Change:
    """``sent``: jit asked the backend to revoke (now or on an earlier attempt), so a later
    attempt that finds the grant gone must not call that ``out-of-band``."""
    record, error = item.record, redact_secrets(error)  # a backend's message may echo secrets
    attempt = record.failures + 1
    ctx.report.failed.append(
        f"{record.grant_id}: revoking ({item.reason}, attempt {attempt}): {error}; it stays "
        "revoke-pending and the next run retries"
    )
    pending = record.evolve(
        status="revoke-pending",
        revoke_reason=item.reason,
        withdrawn_by=by,
        withdrawn_commit=commit,
        failures=attempt,
        details={**record.details, ATTEMPTED: True} if sent else record.details,
    )
    return Change(
        action="revoke-failed",
        summary=f"could not revoke {record.grant_id} yet (attempt {attempt}): {error}",
        guard=Guard(record.grant_id, LIVE),
        audit=(entries.revoke_failed(grant_id=record.grant_id, error=error, attempt=attempt),),
        write=(pending,),
        request_id=record.request_id,
        grant_id=record.grant_id,
        pr=record.pr,
    )


def _withdrawer(ctx: RunContext, record: GrantRecord) -> tuple[str | None, str | None]:
    """Who deleted the request file: the author of the merged PR whose commit deleted it.
    Withdrawing is always safe, so a failure here never holds up the revocation."""
    try:
        commit = ctx.git.deleting_commit(record.request_path)
        if commit is None:
            return None, None
        pulls = [
            p
            for p in ctx.github.pulls_for_commit(commit)
            if p.merged and p.base_ref == ctx.branch and p.merge_commit_sha == commit
        ]
    except JitError as exc:  # GitHub or git: never a reason to keep a withdrawn grant live
        ctx.report.notes.append(f"{record.grant_id}: could not tell who withdrew it: {exc}")
        return None, None
    return (pulls[0].author if len(pulls) == 1 else None), commit


def _role(ctx: RunContext, record: GrantRecord, by: str | None) -> Role | None:
    """Whether ``by`` is the requester, a revoker (the resource's or settings'), or neither, by
    main's policies and current team memberships; None when unknown. Never holds up revoking."""
    if by is None:
        return None
    if same_login(by, record.requester):
        return "requester"
    resource = ctx.resource(record)
    revokers = tuple(dict.fromkeys((resource.revokers if resource else ()) + ctx.settings.revokers))
    try:
        teams = {
            p.name: ctx.github.active_team_members(p.name, [by]) for p in revokers if p.is_team
        }
    except JitError as exc:
        ctx.report.notes.append(
            f"{record.grant_id}: could not tell whether {by} is a revoker: {exc}"
        )
        return None
    return "revoker" if is_member(by, revokers, teams) else "neither"


def remind(ctx: RunContext, record: GrantRecord) -> Change:
    now = ctx.clock()
    left = max(1, int((record.expires_at - now).total_seconds() // 60))
    return Change(
        action="remind",
        summary=f"reminded {record.requester} that {record.grant_id} ends in {left} minutes",
        guard=Guard(record.grant_id, frozenset({"active"})),
        write=(record.evolve(reminded_at=now),),
        grant_id=record.grant_id,
        pr=record.pr,
        comment=(
            record.pr,
            notices.marker("reminder", record.grant_id),
            notices.reminder(record, left),
        ),
    )
