"""Approval counting: which approval stages a request's reviews meet, and by whom.

The rules (issue 2, "Approval counting"), applied in this order:

- Each reviewer's latest review counts, ignoring COMMENTED ones (and PENDING ones, which
  are unsubmitted drafts). Reviews are ordered by ``submitted_at``, then GitHub's review
  ``id``; a review without ``submitted_at`` sorts first.
- Only an APPROVED review whose ``commit_id`` is ``Context.head_sha`` counts; with no head
  commit (offline), no approval counts.
- The requester, the PR author, bots and anyone who authored or committed a commit of the
  PR (``Context.pushers``) never count: who changed the request cannot also approve it.
- A team approver must be an active member per ``Context.teams``. A team missing there is
  unknown: approvals through it do not count, and a stage it leaves unmet is ``undecided``.
- A stage counts distinct people, and a person satisfies at most one stage; people are
  assigned to stages to meet as many stages as possible (``jit.policy.matching``).

Logins compare case-insensitively. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from jit.model import ApprovalStage, Context, Request, Resource, Review, StageResult
from jit.policy.matching import assign
from jit.policy.members import Directory, Match, same_login
from jit.policy.wording import approvals, aware, join, names, short_sha

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Review states that are "seen" for the plan: the latest review of each such reviewer.
_SEEN = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


def _order(review: Review) -> tuple[timedelta, int]:
    at = review.submitted_at
    since = timedelta.min if at is None else aware(at) - _EPOCH
    return since, review.id


def latest_reviews(reviews: Sequence[Review]) -> dict[str, Review]:
    """Each reviewer's latest review that is not COMMENTED (nor PENDING).

    Keyed by the lower-cased login; ordered by ``submitted_at`` then ``id`` (stable for
    exact ties, so the later one in ``reviews`` wins).
    """
    latest: dict[str, Review] = {}
    for review in sorted(reviews, key=_order):
        if review.state not in ("COMMENTED", "PENDING"):
            latest[review.login.lower()] = review
    return latest


def _disqualified(review: Review, request: Request, ctx: Context) -> str | None:
    """Why this reviewer's latest review cannot count for any stage; None if it can."""
    who = review.login
    if review.state == "CHANGES_REQUESTED":
        return f"{who} requested changes; only a reviewer whose latest review is an approval counts"
    if review.state == "DISMISSED":
        return f"{who}'s review was dismissed; {who} must approve again on the latest commit"
    if review.is_bot:
        return f"{who} is a bot; approvals by bots never count"
    if same_login(who, request.requester):
        return f"{who} is the requester; a requester's own approval never counts"
    if same_login(who, ctx.pr_author):
        return f"{who} opened the pull request; the pull request author's approval never counts"
    if who.lower() in ctx.pushers:
        return (
            f"{who} pushed a commit to this pull request, so their approval does not count; "
            "ask someone who did not change it"
        )
    if ctx.head_sha is None:
        return (
            f"{who}'s approval cannot be tied to the commit being judged (none is known), "
            "so it does not count"
        )
    if review.commit_id != ctx.head_sha:
        return (
            f"{who} approved commit {short_sha(review.commit_id)}, not the latest commit "
            f"{short_sha(ctx.head_sha)}; {who} must approve again after the latest push"
        )
    return None


def _could(match: Match) -> bool:
    """Whether the login may be an approver of a stage (admitted, or unknown)."""
    return match.via is not None or bool(match.unknown)


def _not_eligible(who: str, stage: ApprovalStage, index: int, match: Match) -> str:
    if match.unknown:
        return (
            f"membership of {join(match.unknown)} could not be checked, so {who}'s approval "
            f"does not count for stage {index + 1} yet"
        )
    return (
        f"{who} may not approve stage {index + 1}: only {names(stage.approvers)} may, "
        "and a team counts only its active members"
    )


def count_stages(resource: Resource, request: Request, ctx: Context) -> tuple[StageResult, ...]:
    """Which of ``resource``'s approval stages the reviews in ``ctx`` meet, and by whom.

    A stage's ``count`` below 1 is read as 1: deny by default, whatever a policy says.
    """
    directory = Directory(ctx.teams)
    seen = sorted((r for r in latest_reviews(ctx.reviews).values() if r.state in _SEEN), key=_order)
    blocked = {r.login.lower(): _disqualified(r, request, ctx) for r in seen}
    valid = [i for i, r in enumerate(seen) if blocked[r.login.lower()] is None]
    stages = resource.approvals
    counts = [max(1, stage.count) for stage in stages]
    matches = [[directory.match(stage.approvers, r.login) for r in seen] for stage in stages]
    eligible = [[n for n, i in enumerate(valid) if row[i].via] for row in matches]
    assigned = assign(counts, eligible)
    counted_for = {valid[n]: s for s, people in enumerate(assigned) for n in people}

    results: list[StageResult] = []
    for index, stage in enumerate(stages):
        approved_by = tuple(seen[valid[n]].login for n in assigned[index])
        not_counted: list[tuple[str, str]] = []
        for i, review in enumerate(seen):
            if counted_for.get(i) == index:
                continue
            match = matches[index][i]
            if not (_could(match) or not any(_could(row[i]) for row in matches)):
                continue  # approvers of other stages only: not this stage's business
            reason = blocked[review.login.lower()]
            if reason is None:
                reason = _unused(
                    review.login, index, stage, counts[index], match, counted_for.get(i)
                )
            not_counted.append((review.login, reason))
        met = len(approved_by) >= counts[index]
        unknown = any(p.is_team and not directory.knows(p.name) for p in stage.approvers)
        results.append(
            StageResult(
                index=index,
                approvers=stage.approvers,
                count=counts[index],
                approved_by=approved_by,
                not_counted=tuple(not_counted),
                undecided=unknown and not met,
            )
        )
    return tuple(results)


def _unused(
    who: str, index: int, stage: ApprovalStage, count: int, match: Match, other: int | None
) -> str:
    """Why a valid approval does not count for stage ``index``."""
    if match.via is None:
        return _not_eligible(who, stage, index, match)
    if other is not None:
        return f"{who} already counts for stage {other + 1}; a person satisfies at most one stage"
    return f"{who} also approved, but stage {index + 1} already has the {approvals(count)} it needs"
