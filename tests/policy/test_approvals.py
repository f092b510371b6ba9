"""Approval counting, example by example (issue 2, "Approval counting")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jit.model import Resource, Review, StageResult
from jit.policy.approvals import count_stages, latest_reviews
from tests.policy.strategies import HEAD, OLD, context, request, resource, review

TWO_STAGES = resource(stages=[(("acme/dba",), 1), (("acme/sec", "dave"), 1)])
TEAMS = {"acme/eng": ["alice"], "acme/dba": ["bob", "erin"], "acme/sec": ["bob", "frank"]}


def stages(*reviews: Review, res: Resource = TWO_STAGES, **kw: Any) -> tuple[StageResult, ...]:
    kw.setdefault("teams", TEAMS)
    return count_stages(res, request(), context(*reviews, **kw))


def reasons(result: StageResult) -> dict[str, str]:
    return dict(result.not_counted)


# --- latest_reviews -------------------------------------------------------------------------


def test_latest_review_wins_and_commented_is_ignored() -> None:
    latest = latest_reviews(
        [
            review("bob", "COMMENTED", minute=9),
            review("bob", "APPROVED", minute=5),
            review("bob", "CHANGES_REQUESTED", minute=1),
            review("Erin", "APPROVED", minute=2),
            review("erin", "DISMISSED", minute=3),
            review("dave", "COMMENTED", minute=1),
            review("carol", "PENDING", minute=None),
        ]
    )
    assert {k: v.state for k, v in latest.items()} == {"bob": "APPROVED", "erin": "DISMISSED"}


def test_same_second_reviews_are_ordered_by_id_and_missing_times_come_first() -> None:
    latest = latest_reviews(
        [
            review("bob", "APPROVED", minute=1, rid=7),
            review("bob", "CHANGES_REQUESTED", minute=1, rid=6),
            review("carol", "CHANGES_REQUESTED", minute=1, rid=1),
            review("carol", "APPROVED", minute=None, rid=9),
        ]
    )
    assert latest["bob"].state == "APPROVED"
    assert latest["carol"].state == "CHANGES_REQUESTED"


def test_naive_and_aware_times_compare_without_raising() -> None:
    naive = Review("bob", "APPROVED", HEAD, datetime(2030, 1, 1), id=1)
    aware = review("bob", "CHANGES_REQUESTED", minute=0, rid=2)  # 2026, earlier
    assert latest_reviews([naive, aware])["bob"].state == "APPROVED"


# --- who counts ----------------------------------------------------------------------------


def test_a_member_approving_the_head_commit_meets_the_stage() -> None:
    result = stages(review("bob"))
    assert result[0].approved_by == ("bob",)
    assert result[0].met and not result[1].met
    assert reasons(result[1]) == {
        "bob": "bob already counts for stage 1; a person satisfies at most one stage"
    }


def test_each_reason_an_approval_does_not_count() -> None:
    result = stages(
        review("alice", minute=1),  # requester
        review("mallory", minute=2),  # PR author
        review("erin", commit=OLD, minute=3),  # stale
        review("dependabot", minute=4, bot=True),
        review("zoe", minute=5),  # not a member
        review("frank", "DISMISSED", minute=6),
        review("dave", "CHANGES_REQUESTED", minute=7),
        author="mallory",
    )
    assert [s.met for s in result] == [False, False]
    assert reasons(result[0]) == {
        "alice": "alice is the requester; a requester's own approval never counts",
        "mallory": "mallory opened the pull request; the pull request author's approval never counts",
        "erin": (
            "erin approved commit bbbbbbb, not the latest commit aaaaaaa; erin must approve "
            "again after the latest push"
        ),
        "dependabot": "dependabot is a bot; approvals by bots never count",
        "zoe": (
            "zoe may not approve stage 1: only acme/dba may, and a team counts only its "
            "active members"
        ),
    }
    # frank and dave may approve stage 2 only, so they are listed there, not on stage 1.
    assert reasons(result[1])["frank"] == (
        "frank's review was dismissed; frank must approve again on the latest commit"
    )
    assert reasons(result[1])["dave"] == (
        "dave requested changes; only a reviewer whose latest review is an approval counts"
    )
    assert "zoe" in reasons(result[1])  # approvers of no stage show on every stage


def test_an_approval_by_someone_who_pushed_to_the_pr_does_not_count() -> None:
    result = stages(review("Bob"), review("erin", minute=1), pushers=["bob"])
    assert result[0].approved_by == ("erin",)
    assert reasons(result[0])["Bob"] == (
        "Bob pushed a commit to this pull request, so their approval does not count; ask "
        "someone who did not change it"
    )
    alone = stages(review("bob"), pushers=["bob"])
    assert not alone[0].met and "pushed a commit" in reasons(alone[0])["bob"]


def test_a_pusher_who_requested_changes_is_told_about_that_first() -> None:
    result = stages(review("bob", "CHANGES_REQUESTED"), pushers=["bob"])
    assert reasons(result[0])["bob"].startswith("bob requested changes")


def test_without_a_head_commit_no_approval_counts() -> None:
    result = stages(review("bob"), head=None)
    assert result[0].approved_by == ()
    assert "cannot be tied to the commit being judged" in reasons(result[0])["bob"]


def test_an_approval_with_no_commit_is_stale() -> None:
    result = stages(review("bob", commit=None))
    assert "approved commit unknown" in reasons(result[0])["bob"]


def test_logins_and_teams_compare_case_insensitively() -> None:
    teams = {"ACME/DBA": ["BOB"], "acme/sec": [], "acme/eng": ["alice"]}
    result = stages(review("Bob"), review("DAVE", minute=1), teams=teams)
    assert [s.approved_by for s in result] == [("Bob",), ("DAVE",)]


def test_requester_approval_does_not_count_in_any_case() -> None:
    result = stages(review("ALICE"), res=resource(stages=[(("alice",), 1)]))
    assert result[0].approved_by == ()


def test_conflicting_case_variants_of_a_team_admit_only_common_members() -> None:
    teams = {"acme/dba": ["bob", "erin"], "Acme/DBA": ["bob"]}
    result = stages(review("bob"), review("erin", minute=1), teams=teams)
    assert result[0].approved_by == ("bob",)


# --- assignment of people to stages --------------------------------------------------------


def test_people_are_assigned_to_meet_the_most_stages_not_first_fit() -> None:
    # bob approved first and may approve both stages; first-fit would spend him on stage 1.
    res = resource(stages=[(("acme/dba",), 1), (("acme/sec",), 1)])
    result = stages(review("bob", minute=0), review("erin", minute=1), res=res)
    assert [s.approved_by for s in result] == [("erin",), ("bob",)]
    assert all(s.met for s in result)


def test_a_stage_counts_distinct_people() -> None:
    res = resource(stages=[(("acme/dba",), 2)])
    once = stages(review("bob"), review("bob", minute=5), res=res)
    assert once[0].approved_by == ("bob",) and once[0].missing == 1
    both = stages(review("bob"), review("erin", minute=1), res=res)
    assert both[0].approved_by == ("bob", "erin")


def test_surplus_approvals_are_shown_as_not_needed() -> None:
    result = stages(review("bob"), review("erin", minute=1), review("frank", minute=2))
    assert result[0].approved_by == ("bob",)
    assert reasons(result[0])["erin"] == (
        "erin also approved, but stage 1 already has the 1 approval it needs"
    )
    assert result[1].approved_by == ("frank",)


def test_the_earliest_approvers_count_when_more_approved_than_needed() -> None:
    res = resource(stages=[(("acme/dba",), 1)])
    result = stages(review("erin", minute=3), review("bob", minute=4), res=res)
    assert result[0].approved_by == ("erin",)


# --- unknown teams -------------------------------------------------------------------------


def test_an_unknown_team_leaves_an_unmet_stage_undecided() -> None:
    result = stages(review("bob"), teams={"acme/eng": ["alice"]})
    assert result[0].undecided and not result[0].met
    assert reasons(result[0])["bob"] == (
        "membership of acme/dba could not be checked, so bob's approval does not count for "
        "stage 1 yet"
    )
    assert result[1].undecided


def test_a_listed_user_meets_a_stage_whose_team_is_unknown() -> None:
    result = stages(review("dave"), teams={"acme/eng": ["alice"]})
    assert result[1].met
    assert not result[1].undecided
