"""Whom to ask for review (``pending_approvers``) and which teams adapters resolve."""

from __future__ import annotations

from dataclasses import replace

from jit.policy.engine import evaluate, pending_approvers, team_names
from tests.policy.strategies import context, policies, request, resource, review

RES = resource(
    stages=[
        (("acme/dba", "Alice", "mallory"), 1),
        (("acme/sec", "dave", "bob", "DAVE"), 1),
        (("acme/dba", "carol"), 1),
    ]
)
TEAMS = {"acme/eng": ["alice"], "acme/dba": ["bob"], "acme/sec": []}


def test_unmet_stages_ask_their_users_and_teams_once_in_stage_order() -> None:
    decision = evaluate(request(), policies(RES), context(author="alice", teams=TEAMS))
    assert decision.valid
    users, teams = pending_approvers(decision)
    assert users == ["mallory", "dave", "bob", "carol"]  # not Alice (the requester), one dave
    assert teams == ["acme/dba", "acme/sec"]


def test_the_pull_request_author_is_never_asked() -> None:
    decision = evaluate(request(), policies(RES), context(author="alice", teams=TEAMS))
    by_mallory = replace(decision, pr_author="Mallory")
    assert pending_approvers(by_mallory)[0] == ["dave", "bob", "carol"]


def test_an_invalid_request_asks_nobody_until_it_is_fixed() -> None:
    decision = evaluate(request(), policies(RES), context(author="mallory", teams=TEAMS))
    assert not decision.valid
    assert pending_approvers(decision) == ([], [])


def test_met_stages_and_people_already_counted_are_not_asked() -> None:
    ctx = context(review("bob"), author="alice", teams=TEAMS)
    decision = evaluate(request(), policies(RES), ctx)
    assert [s.met for s in decision.stages] == [True, False, False]
    users, teams = pending_approvers(decision)
    assert "bob" not in users
    assert users == ["dave", "carol"]
    assert teams == ["acme/sec", "acme/dba"]


def test_an_auto_approved_request_asks_nobody() -> None:
    res = resource(auto=[(("alice",), None)])
    decision = evaluate(request(), policies(res), context())
    assert decision.auto_approved
    assert pending_approvers(decision) == ([], [])


def test_team_names_cover_eligibility_stages_and_auto_approval() -> None:
    res = resource(
        eligible=("acme/eng", "carol"),
        stages=[(("acme/dba", "dave"), 1)],
        auto=[(("acme/oncall", "erin"), None)],
    )
    other = resource("other", eligible=("acme/sre",), stages=())
    assert team_names(res) == {"acme/eng", "acme/dba", "acme/oncall"}
    assert team_names(policies(res, other)) == {"acme/eng", "acme/dba", "acme/oncall", "acme/sre"}
