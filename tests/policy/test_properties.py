"""Property-based tests of the policy engine and approval counting (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from jit.model import Context, Policies, Principal, Request, Resource, Review, StageResult
from jit.policy.approvals import count_stages, latest_reviews
from jit.policy.engine import evaluate, pending_approvers
from jit.policy.matching import assign
from jit.policy.members import Directory
from tests.policy.strategies import (
    HEAD,
    OLD,
    STATES,
    contexts,
    durations,
    logins,
    requests,
    resources,
    reviews,
)

#: No deadline: the tests must not depend on timing (the first time-zone load is slow).
PROFILE = settings(deadline=None, max_examples=100)
LATER = datetime(2101, 1, 1, tzinfo=UTC)  # after every generated review

no_approvals = st.lists(reviews.filter(lambda r: r.state != "APPROVED"), max_size=8)


def later_review(login: str, state: str, commit: str | None) -> Review:
    return Review(login, state, commit, LATER, id=99)  # type: ignore[arg-type]


def plus(ctx: Context, review: Review) -> Context:
    return replace(ctx, reviews=(*ctx.reviews, review))


def counted(stages: tuple[StageResult, ...]) -> list[str]:
    return [login.lower() for stage in stages for login in stage.approved_by]


def resource_with_counts_of_one(res: Resource) -> Resource:
    return replace(res, approvals=tuple(replace(s, count=1) for s in res.approvals))


@PROFILE
@given(requests(), resources(), contexts())
def test_evaluate_never_raises_and_reports_on_the_request_file(
    request: Request, res: Resource, ctx: Context
) -> None:
    pol = {res.id: res}
    decision = evaluate(request, Policies(pol), ctx)
    pending_approvers(decision)
    for finding in decision.findings:
        assert finding.file == request.path
        assert finding.message and "\n" not in finding.message
        assert finding.code == finding.code.lower() and " " not in finding.code
    if decision.allowed:
        assert decision.valid
        assert decision.auto_approved or all(s.met for s in decision.stages)
        # Deny by default: eligibility was established, not merely left undecided.
        assert Directory(ctx.teams).match(res.eligible, request.requester).via is not None


@PROFILE
@given(requests(), resources(), contexts(no_approvals))
def test_deny_by_default_without_approvals_unless_auto_approved(
    request: Request, res: Resource, ctx: Context
) -> None:
    decision = evaluate(request, Policies({res.id: res}), ctx)
    assert all(s.approved_by == () for s in decision.stages)
    if decision.allowed:
        assert decision.auto_approved
    if decision.auto_approved:
        directory = Directory(ctx.teams)
        assert any(
            directory.match(rule.requester_in, request.requester).via is not None
            and request.duration
            <= (rule.max_duration if rule.max_duration is not None else res.max_duration)
            for rule in res.auto_approve
        )
        assert directory.match(res.eligible, request.requester).via is not None


@PROFILE
@given(requests(), resources(max_count=1), contexts(), logins)
def test_adding_an_approval_never_unmeets_a_one_person_stage(
    request: Request, res: Resource, ctx: Context, login: str
) -> None:
    before = count_stages(res, request, ctx)
    after = count_stages(res, request, plus(ctx, later_review(login, "APPROVED", ctx.head_sha)))
    for old, new in zip(before, after, strict=True):
        assert new.met or not old.met


@PROFILE
@given(requests(), resources(max_count=3), contexts(), logins)
def test_adding_an_approval_never_lowers_how_many_stages_are_met(
    request: Request, res: Resource, ctx: Context, login: str
) -> None:
    before = count_stages(res, request, ctx)
    after = count_stages(res, request, plus(ctx, later_review(login, "APPROVED", ctx.head_sha)))
    assert sum(s.met for s in after) >= sum(s.met for s in before)
    if all(s.met for s in before):
        assert all(s.met for s in after)


@PROFILE
@given(requests(), resources(), contexts(), st.sampled_from(["upper", "lower", "same"]))
def test_the_requesters_own_approval_never_counts(
    request: Request, res: Resource, ctx: Context, case: str
) -> None:
    login = getattr(request.requester, case)() if case != "same" else request.requester
    before = count_stages(res, request, ctx)
    after = count_stages(res, request, plus(ctx, later_review(login, "APPROVED", ctx.head_sha)))
    assert request.requester.lower() not in counted(after)
    assert [s.approved_by for s in after] == [s.approved_by for s in before]


@PROFILE
@given(requests(), resources(), contexts())
def test_the_pull_request_authors_approval_never_counts(
    request: Request, res: Resource, ctx: Context
) -> None:
    if ctx.pr_author is None:
        return
    before = count_stages(res, request, ctx)
    extra = later_review(ctx.pr_author.upper(), "APPROVED", ctx.head_sha)
    after = count_stages(res, request, plus(ctx, extra))
    assert ctx.pr_author.lower() not in counted(after)
    assert [s.approved_by for s in after] == [s.approved_by for s in before]


@PROFILE
@given(requests(), resources(), contexts(), logins, st.booleans())
def test_a_pushers_approval_never_counts(
    request: Request, res: Resource, ctx: Context, login: str, upper: bool
) -> None:
    """Whoever pushed a commit to the PR never counts, in any case, and marking someone a
    pusher counts exactly as if their reviews were not there."""
    assert not set(counted(count_stages(res, request, ctx))) & ctx.pushers
    ctx = plus(ctx, later_review(login.upper() if upper else login, "APPROVED", ctx.head_sha))
    pushed = replace(ctx, pushers=ctx.pushers | {login.lower()})
    after = count_stages(res, request, pushed)
    assert login.lower() not in counted(after)
    gone = tuple(r for r in ctx.reviews if r.login.lower() != login.lower())
    without = replace(pushed, reviews=gone)
    assert [s.approved_by for s in after] == [
        s.approved_by for s in count_stages(res, request, without)
    ]


@PROFILE
@given(requests(), resources(), contexts())
def test_a_stale_approval_never_counts(request: Request, res: Resource, ctx: Context) -> None:
    stages = count_stages(res, request, ctx)
    latest = latest_reviews(ctx.reviews)
    for who in counted(stages):
        assert latest[who].state == "APPROVED"
        assert latest[who].commit_id == ctx.head_sha is not None
        assert not latest[who].is_bot
    # zed may approve every stage; zed's approval of another commit changes nothing.
    zed = Principal("zed")
    res = replace(
        res, approvals=tuple(replace(s, approvers=(*s.approvers, zed)) for s in res.approvals)
    )
    before = count_stages(res, request, ctx)
    after = count_stages(res, request, plus(ctx, later_review("zed", "APPROVED", OLD)))
    assert [s.approved_by for s in after] == [s.approved_by for s in before]


@PROFILE
@given(requests(), resources(), contexts(), durations, durations)
def test_a_longer_duration_is_never_allowed_where_a_shorter_one_is_denied(
    request: Request, res: Resource, ctx: Context, first: int, second: int
) -> None:
    shorter, longer = sorted((first, second))
    pol = Policies({res.id: res})
    short = evaluate(replace(request, duration=shorter), pol, ctx)
    long = evaluate(replace(request, duration=longer), pol, ctx)
    if not short.allowed:
        assert not long.allowed


@PROFILE
@given(requests(), resources(max_count=3), contexts())
def test_a_person_never_counts_for_two_stages(
    request: Request, res: Resource, ctx: Context
) -> None:
    logins_counted = counted(count_stages(res, request, ctx))
    assert len(logins_counted) == len(set(logins_counted))


@PROFILE
@given(requests(), resources(), contexts(), logins, st.sampled_from(STATES))
def test_a_later_review_keeps_or_removes_an_approval_by_its_state(
    request: Request, res: Resource, ctx: Context, login: str, state: str
) -> None:
    ctx = replace(ctx, head_sha=HEAD)
    approved = plus(ctx, later_review(login, "APPROVED", HEAD))
    then = replace(later_review(login.swapcase(), state, HEAD), id=100)
    before = count_stages(res, request, approved)
    after = count_stages(res, request, plus(approved, then))
    if state in ("COMMENTED", "PENDING"):
        assert [s.approved_by for s in after] == [s.approved_by for s in before]
    elif state in ("CHANGES_REQUESTED", "DISMISSED"):
        assert login.lower() not in counted(after)


@PROFILE
@given(st.lists(reviews, max_size=12))
def test_latest_reviews_keeps_each_reviewers_last_deciding_review(
    given_reviews: list[Review],
) -> None:
    latest = latest_reviews(given_reviews)
    deciding = [r for r in given_reviews if r.state not in ("COMMENTED", "PENDING")]
    assert set(latest) == {r.login.lower() for r in deciding}
    for login, review in latest.items():
        mine = [r for r in deciding if r.login.lower() == login]

        def key(r: Review) -> tuple[bool, datetime, int]:
            at = r.submitted_at
            return (at is not None, at or LATER, r.id)

        assert key(review) == max(key(r) for r in mine)


@PROFILE
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3).flatmap(
        lambda counts: st.tuples(
            st.just(counts),
            st.lists(
                st.lists(st.integers(0, 4), unique=True, max_size=5),
                min_size=len(counts),
                max_size=len(counts),
            ),
        )
    )
)
def test_assignment_meets_as_many_stages_as_any_assignment_could(
    problem: tuple[list[int], list[list[int]]],
) -> None:
    counts, eligible = problem
    result = assign(counts, eligible)
    people = [p for stage in result for p in stage]
    assert len(people) == len(set(people))
    assert all(set(result[s]) <= set(eligible[s]) for s in range(len(counts)))
    met = sum(len(result[s]) >= counts[s] for s in range(len(counts)))
    best = 0
    for choice in product(range(-1, len(counts)), repeat=5):  # person -> stage, -1: none
        filled = [0] * len(counts)
        for person, stage in enumerate(choice):
            if stage >= 0 and person in eligible[stage]:
                filled[stage] += 1
        best = max(best, sum(f >= c for f, c in zip(filled, counts, strict=True)))
    assert met == best
