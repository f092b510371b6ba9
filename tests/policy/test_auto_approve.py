"""Auto-approval: any one rule met (requester in ``requester_in``, duration within its limit)."""

from __future__ import annotations

from jit.policy.engine import evaluate
from tests.policy.strategies import context, policies, request, resource

ONCALL = policies(resource(auto=[(("acme/oncall",), 1800), (("carol",), None)]))
TEAMS = {"acme/eng": ["alice", "dave"], "acme/dba": ["bob"], "acme/oncall": ["alice"]}


def test_an_active_team_member_within_the_rule_limit_is_auto_approved() -> None:
    decision = evaluate(request(duration=1800), ONCALL, context(teams=TEAMS))
    assert decision.auto_approved
    assert decision.allowed  # no approvals needed
    reason = (
        "alice is auto-approved for prod-db by auto-approval rule 1: alice is an active "
        "member of acme/oncall and 30m is within its 30m limit"
    )
    assert decision.auto_approve_reason == reason
    assert decision.matched_rules[-1] == reason


def test_a_listed_user_is_auto_approved_up_to_the_resource_maximum() -> None:
    decision = evaluate(request("carol", duration=4 * 3600), ONCALL, context(author="carol"))
    assert decision.auto_approved
    assert "carol is listed by name and 4h is within its 4h limit" in decision.auto_approve_reason


def test_too_long_for_the_rule_explains_each_rule() -> None:
    decision = evaluate(request(duration=3600), ONCALL, context(teams=TEAMS))
    assert not decision.auto_approved
    assert decision.auto_approve_reason == (
        "no auto-approval rule of prod-db applies: rule 1 (acme/oncall, up to 30m) does not, "
        "because 1h is over its 30m limit; rule 2 (carol, up to 4h) does not, because alice "
        "is not listed (carol)"
    )


def test_not_in_the_team_and_too_long_names_both() -> None:
    pol = policies(resource(auto=[(("acme/oncall", "erin"), 600)]))
    decision = evaluate(request("dave", duration=3600), pol, context(author="dave", teams=TEAMS))
    assert decision.auto_approve_reason == (
        "no auto-approval rule of prod-db applies: rule 1 (acme/oncall and erin, up to 10m) "
        "does not, because dave is neither listed nor an active member of acme/oncall and "
        "1h is over its 10m limit"
    )


def test_an_unknown_rule_team_does_not_auto_approve() -> None:
    teams = {"acme/eng": ["alice"]}
    decision = evaluate(request(duration=600), ONCALL, context(teams=teams))
    assert not decision.auto_approved
    assert "membership of acme/oncall is not known here" in decision.auto_approve_reason


def test_an_empty_rule_names_nobody() -> None:
    pol = policies(resource(auto=[((), None)]))
    decision = evaluate(request(), pol, context())
    assert "alice is not listed, because the list is empty" in decision.auto_approve_reason


def test_an_ineligible_requester_is_never_auto_approved() -> None:
    pol = policies(resource(auto=[(("mallory",), None)]))
    decision = evaluate(request("mallory"), pol, context(author="mallory"))
    assert not decision.auto_approved
    assert decision.auto_approve_reason == (
        "auto-approval does not apply, because mallory is not eligible for prod-db"
    )


def test_unknown_eligibility_blocks_auto_approval_offline() -> None:
    pol = policies(resource(auto=[(("alice",), None)]))
    decision = evaluate(request(), pol, context(head=None, teams={}))
    assert not decision.auto_approved
    assert not decision.allowed
    assert decision.auto_approve_reason.startswith("auto-approval does not apply yet")


def test_an_auto_approved_but_invalid_request_is_not_allowed() -> None:
    decision = evaluate(request(duration=600), ONCALL, context(author="mallory", teams=TEAMS))
    assert decision.auto_approved
    assert not decision.allowed


def test_a_requester_outside_every_team_of_a_rule_is_told_so() -> None:
    pol = policies(resource(auto=[(("acme/oncall", "acme/sre"), None)]))
    decision = evaluate(
        request("dave"), pol, context(author="dave", teams={**TEAMS, "acme/sre": []})
    )
    assert "dave is not an active member of acme/oncall or acme/sre" in decision.auto_approve_reason
