"""Execute one reconcile run: plan, intents, revoke, issue, record, comment.

The order is what makes a run crash-safe, and puts revocation first:

1. revoke what expired or was withdrawn (Vault/Kubernetes, then checked gone), each grant in
   its own error boundary and from its own record alone, and commit+push those results: no
   request, team, policy file or backend of another grant can hold a revocation up;
2. re-verify new requests and commit+push their ``issuing`` intents (and claims on intents a
   dead run left): nothing is issued unless its intent is on the remote;
3. issue what the landed intents cover, commit+push each secret's accessor into its intent
   (``_record_handles``), and only then deliver the secrets (PR comment);
4. commit+push every result in one commit (re-derived if another run pushed first);
5. post the remaining PR comments, and revoke anything this run issued that another run's
   record superseded.

Each request is judged in its own error boundary too: a problem with one (a team GitHub no
longer knows, text the audit log refuses) denies or blocks that one and is reported; the run
goes on, and ends with exit 1 or 4, never 3.

Killing the run between any two steps leaves a state the next run finishes: see
``jit.reconcile.recover`` for how an intent is resumed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jit.errors import JitError, OperationalError
from jit.findings import Finding
from jit.model import Request
from jit.reconcile import issue, recover
from jit.reconcile.changes import Change, Committer, Guard
from jit.reconcile.diff import Desired, Plan, make_plan
from jit.reconcile.drift import unrecorded_drift
from jit.reconcile.intents import ISSUING, Claim, Intents, prepare
from jit.reconcile.revoke import remind, revoke_isolated
from jit.reconcile.runtime import Report, RunContext
from jit.reconcile.state import GrantRecord, grant_id

Parsed = Mapping[str, tuple[Request | None, Sequence[Finding]]]


def desired_state(ctx: RunContext, parsed: Parsed) -> list[Desired]:
    """The request files on main, each with its grant id (from the commit that added it)."""
    added = ctx.git.added_commits("requests/")
    desired = []
    for path in sorted(parsed):
        request, _ = parsed[path]
        commit = added.get(path)
        if commit is None:
            ctx.report.notes.append(f"{path}: not committed on {ctx.branch}; skipped")
            continue
        request_id = path.removesuffix(".yaml")
        not_before = request.not_before if request is not None else None
        desired.append(Desired(request_id, path, grant_id(request_id, commit), commit, not_before))
    return desired


def plan_run(ctx: RunContext, parsed: Parsed) -> tuple[Plan, dict[str, GrantRecord]]:
    records, unreadable = ctx.store.load_readable()
    for problem in unreadable.values():
        ctx.report.failed.append(
            f"{problem} Until then jit neither revokes nor re-issues that grant; every other "
            "grant is handled as usual"
        )
    desired = [d for d in desired_state(ctx, parsed) if d.grant_id not in unreadable]
    plan = make_plan(desired, records, ctx.clock(), ctx.settings.reminder_minutes)
    for item in plan.waiting:
        ctx.report.waiting.append(f"{item.request_id}: waits for not_before {item.not_before}")
    for record in plan.in_flight:
        ctx.report.notes.append(
            f"{record.grant_id}: being issued by run {record.run_id} since "
            f"{record.intent_at:%H:%M:%S}Z; left alone"
        )
    return plan, records


def execute(ctx: RunContext, committer: Committer, parsed: Parsed) -> Report:
    plan, records = plan_run(ctx, parsed)
    # Revocation first: before anything new is judged, and recorded in its own commit.
    _commit_results(
        ctx,
        committer,
        [revoke_isolated(ctx, item) for item in plan.revoke],
        "What was revoked stays recorded as live; the next run finds it gone and records it",
    )
    _report_policies(ctx, plan)

    intents = prepare(ctx, plan.grant, parsed, plan.resume, plan.abandon)
    landed = _commit_intents(ctx, committer, intents)
    fresh = [i for i in intents.fresh if id(i.change) in landed]
    results: list[Change] = [remind(ctx, record) for record in plan.remind]

    def record_handles(records: Sequence[GrantRecord]) -> set[str]:
        return _record_handles(ctx, committer, records)

    results += issue.issue_all(ctx, record_handles, fresh)
    for claim in intents.claims:
        if id(claim.change) not in landed:
            continue
        results.append(_isolated(ctx, claim, record_handles))
    results += intents.denials
    _commit_results(
        ctx,
        committer,
        results,
        "What was issued stays recorded as an intent; the next run finds it",
    )
    unrecorded_drift(ctx, records)
    return ctx.report


def _record_handles(
    ctx: RunContext, committer: Committer, records: Sequence[GrantRecord]
) -> set[str]:
    """Commit and push ``records`` (still ``issuing``, now naming their handles) before their
    secrets are delivered, so that recovery revokes exactly what jit recorded. The grant ids
    whose record landed."""
    changes = [
        Change(
            action="issued",
            summary=f"issued {r.grant_id}; its handle is recorded before it is delivered",
            guard=Guard(r.grant_id, ISSUING, owner=ctx.run_id),
            write=(r,),
            request_id=r.request_id,
            grant_id=r.grant_id,
            pr=r.pr,
        )
        for r in records
    ]
    try:
        done = committer.commit(_subject(changes), changes, ctx.clock())
    except JitError as exc:  # a service, or an audit log that cannot be appended to
        ctx.report.failed.append(f"recording the handles of what was issued: {exc}")
        return set()
    if done.commit:
        ctx.report.commits.append(done.commit)
    return {c.grant_id for c in done.landed if c.grant_id}


def _isolated(ctx: RunContext, claim: Claim, record_handles: issue.Recorder) -> Change:
    """Resume or clean up one claimed intent inside its own error boundary: a bug here leaves
    the intent for a later run, reported, and never stops the other grants."""
    record = claim.record
    try:
        if claim.abandon is not None:
            return recover.abandon(ctx, record, claim.abandon.reason, claim.dead_run)
        return recover.resume(ctx, record, record_handles, claim.dead_run)
    except Exception as exc:  # noqa: BLE001 - one grant's error boundary, by design
        return issue.failed(
            ctx,
            record,
            f"unexpected {type(exc).__name__} ({exc}); this is a bug in jit, please report it",
            True,
        )


def _report_policies(ctx: RunContext, plan: Plan) -> None:
    """Errors in policies/ on main, and live grants whose resource is gone from it. A grant's
    revocation never depends on policies: a grant of a removed resource ends at its expiry."""
    for finding in ctx.policy_errors[:5]:
        ctx.report.blocked.append(
            f"{finding.location()}: {finding.message}. Requests for the resources this file "
            f"defines are neither granted nor denied until it is fixed on {ctx.branch}; grants "
            "already issued are revoked on time as usual"
        )
    for record in plan.active + plan.remind:
        if record.resource in ctx.policies.resources or record.resource in ctx.policies.invalid:
            continue
        ctx.report.notes.append(
            f"{record.grant_id}: resource {record.resource!r} is no longer in policies/; the "
            f"grant ends at its expiry ({record.expires_at:%Y-%m-%d %H:%M:%S}Z). To end it now, "
            f"delete {record.request_path} in a pull request"
        )


def _commit_results(
    ctx: RunContext, committer: Committer, results: Sequence[Change], meanwhile: str
) -> None:
    if not results:
        return
    try:
        done = committer.commit(_subject(results), results, ctx.clock())
    except JitError as exc:  # a service, or an audit log that cannot be appended to
        ctx.report.failed.append(f"recording the results: {exc}. {meanwhile}")
        return
    if done.commit:
        ctx.report.commits.append(done.commit)
    _record(ctx.report, done.landed, done.dropped)
    _refused(ctx, done.refused)
    _comment(ctx, done.landed)
    _compensate(ctx, [*done.dropped, *(c for c, _ in done.refused)])


def _commit_intents(ctx: RunContext, committer: Committer, intents: Intents) -> set[int]:
    changes = [i.change for i in intents.fresh] + [c.change for c in intents.claims]
    if not changes:
        return set()
    subject = f"intent to issue {len(intents.fresh)} grant(s)"
    if intents.claims:
        subject += f", resume {len(intents.claims)}"
    try:
        done = committer.commit(subject, changes, ctx.clock())
    except JitError as exc:  # a service, or an audit log that cannot be appended to
        ctx.report.failed.append(f"recording intents: {exc}. Nothing was issued")
        return set()
    if done.commit:
        ctx.report.commits.append(done.commit)
    _refused(ctx, done.refused)
    for change in done.dropped:
        ctx.report.notes.append(f"{change.grant_id}: another run recorded it first; left to it")
    return {id(c) for c in done.landed}


def _record(report: Report, landed: Sequence[Change], dropped: Sequence[Change]) -> None:
    """Report what this run recorded; what another run recorded first is only a note."""
    for change in landed:
        if change.report is not None:
            section, text = change.report
            getattr(report, section).append(text)
        if change.lag is not None:
            report.lags.append(change.lag)
    for change in dropped:
        if change.report is not None:
            report.notes.append(f"{change.grant_id}: another run recorded it first; left to it")


def _refused(ctx: RunContext, refused: Sequence[tuple[Change, str]]) -> None:
    """The audit log's guard refused these changes: each is left out (and reported); the
    others were recorded. Request text is judged before it gets here, so this is a bug."""
    for change, why in refused:
        ctx.report.failed.append(
            f"{change.grant_id or change.request_id}: not recorded, because the audit log "
            f"refused it ({why}); this is a bug in jit, please report it. Everything else in "
            "this run was recorded"
        )


def _subject(changes: Sequence[Change]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        verb = change.action
        counts[verb] = counts.get(verb, 0) + 1
    return ", ".join(f"{verb} {n}" for verb, n in sorted(counts.items()))


def _comment(ctx: RunContext, landed: Sequence[Change]) -> None:
    for change in landed:
        if change.comment is None:
            continue
        number, marker, body = change.comment
        try:
            ctx.github.upsert_comment(number, marker, body)
        except OperationalError as exc:
            ctx.report.failed.append(f"commenting on PR #{number} ({change.grant_id}): {exc}")


def _compensate(ctx: RunContext, dropped: Sequence[Change]) -> None:
    """Revoke what this run issued when another run's record superseded it."""
    records, _ = ctx.store.load_readable()
    for change in dropped:
        if change.issued is None or change.grant_id is None:
            continue
        kind, handle = change.issued
        current = records.get(change.grant_id)
        if current is not None and current.handle == handle:
            continue
        try:
            ctx.backend(kind).revoke(kind, handle)
            ctx.report.notes.append(
                f"{change.grant_id}: revoked a duplicate another run superseded"
            )
        except JitError as exc:
            ctx.report.failed.append(
                f"{change.grant_id}: revoking a superseded duplicate: {exc}; `jit drift` shows it"
            )
