"""Execute one reconcile run: plan, intents, revoke, issue, record, comment.

The order is what makes a run crash-safe:

1. re-verify new requests and commit+push their ``issuing`` intents (and claims on intents a
   dead run left): nothing is issued unless its intent is on the remote;
2. revoke what expired or was withdrawn (Vault/Kubernetes, then checked gone);
3. issue what the landed intents cover and deliver secrets (PR comment);
4. commit+push every result in one commit (re-derived if another run pushed first);
5. post the remaining PR comments, and revoke anything this run issued that another run's
   record superseded.

Killing the run between any two steps leaves a state the next run finishes: see
``jit.reconcile.issue`` for how an intent is resumed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jit.errors import JitError, OperationalError
from jit.findings import Finding
from jit.model import Request
from jit.reconcile import issue, recover
from jit.reconcile.changes import Change, Committer
from jit.reconcile.diff import Desired, Plan, make_plan
from jit.reconcile.drift import unrecorded_drift
from jit.reconcile.intents import Intents, prepare
from jit.reconcile.revoke import remind, revoke
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
    records = ctx.store.load()
    plan = make_plan(
        desired_state(ctx, parsed), records, ctx.clock(), ctx.settings.reminder_minutes
    )
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
    intents = prepare(ctx, plan.grant, parsed, plan.resume, plan.abandon)
    landed = _commit_intents(ctx, committer, intents)

    results: list[Change] = [revoke(ctx, item) for item in plan.revoke]
    results += [remind(ctx, record) for record in plan.remind]
    for intent in intents.fresh:
        if id(intent.change) in landed:
            results.append(issue.issue_fresh(ctx, intent))
    for claim in intents.claims:
        if id(claim.change) not in landed:
            continue
        if claim.abandon is not None:
            results.append(recover.abandon(ctx, claim.record, claim.abandon.reason))
        else:
            results.append(recover.resume(ctx, claim.record))
    results += intents.denials

    if results:
        try:
            done = committer.commit(_subject(results), results, ctx.clock())
        except OperationalError as exc:
            ctx.report.failed.append(
                f"recording the results: {exc}. What was issued stays recorded as an intent; "
                "the next run finds it"
            )
            return ctx.report
        if done.commit:
            ctx.report.commits.append(done.commit)
        _record(ctx.report, done.landed, done.dropped)
        _comment(ctx, done.landed)
        _compensate(ctx, done.dropped)
    unrecorded_drift(ctx, records)
    return ctx.report


def _commit_intents(ctx: RunContext, committer: Committer, intents: Intents) -> set[int]:
    changes = [i.change for i in intents.fresh] + [c.change for c in intents.claims]
    if not changes:
        return set()
    subject = f"intent to issue {len(intents.fresh)} grant(s)"
    if intents.claims:
        subject += f", resume {len(intents.claims)}"
    try:
        done = committer.commit(subject, changes, ctx.clock())
    except OperationalError as exc:
        ctx.report.failed.append(f"recording intents: {exc}. Nothing was issued")
        return set()
    if done.commit:
        ctx.report.commits.append(done.commit)
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
    records = ctx.store.load()
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
