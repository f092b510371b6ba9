"""Example-based tests of each policy rule and the sentence it produces."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

from jit.durations import ABSOLUTE_MAX_SECONDS
from jit.findings import Finding
from jit.model import Hours
from jit.policy.engine import access_start, evaluate
from tests.policy.strategies import (
    T0,
    context,
    office_hours,
    policies,
    request,
    resource,
    review,
)

POLICIES = policies(resource(), resource("prod-db-admin"), resource("staging-db"))


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


def only(findings: tuple[Finding, ...], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, findings
    return found[0]


def test_a_valid_approved_request_is_allowed_with_a_sentence_per_rule() -> None:
    decision = evaluate(request(), POLICIES, context(review("bob")))
    assert decision.findings == ()
    assert decision.allowed
    assert decision.matched_rules == (
        "alice is eligible for prod-db as an active member of acme/eng",
        "2h is within the 4h maximum for prod-db",
        "the pull request was opened by the requester, alice",
        "approval stage 1 (acme/dba) is met by bob",
    )
    assert decision.request_id == "requests/alice/incident"
    assert decision.resource_id == "prod-db"
    assert (decision.requester, decision.pr_author) == ("alice", "alice")


def test_unknown_resource_is_an_error_that_suggests_close_matches() -> None:
    decision = evaluate(request(res="prod-dbb"), POLICIES, context(review("bob")))
    finding = only(decision.findings, "unknown-resource")
    assert finding.as_text() == (
        "requests/alice/incident.yaml:3:11: error[unknown-resource]: 'prod-dbb' is not a "
        "resource defined in policies/; did you mean prod-db or prod-db-admin?"
    )
    assert not decision.allowed
    assert decision.stages == ()
    assert decision.auto_approve_reason == (
        "no auto-approval rule applies, because 'prod-dbb' is not a defined resource"
    )


def test_unknown_resource_without_close_match_points_at_policies() -> None:
    decision = evaluate(request(res="zzz"), POLICIES, context())
    assert only(decision.findings, "unknown-resource").message == (
        "'zzz' is not a resource defined in policies/; see policies/ for the resources"
    )


def test_hostile_resource_name_is_quoted_and_shortened() -> None:
    decision = evaluate(request(res="x\n" * 100), POLICIES, context())
    message = only(decision.findings, "unknown-resource").message
    assert "\n" not in message
    assert len(message) < 200


def test_eligible_as_a_listed_user_case_insensitively() -> None:
    decision = evaluate(request("Carol"), POLICIES, context(review("bob"), author="carol"))
    assert decision.valid
    assert "Carol is eligible for prod-db as a listed user" in decision.matched_rules


def test_not_eligible_is_an_error_on_the_requester_line() -> None:
    decision = evaluate(request("mallory"), POLICIES, context(author="mallory"))
    finding = only(decision.findings, "not-eligible")
    assert (finding.line, finding.column, finding.severity) == (2, 12, "error")
    assert finding.message == (
        "mallory is not eligible for prod-db, which is open to acme/eng and carol; "
        "request a resource you are eligible for, or propose a change to policies/"
    )


def test_a_team_member_whose_membership_is_pending_is_not_eligible() -> None:
    # Context.teams holds *active* members only; alice is not listed there.
    ctx = context(review("bob"), teams={"acme/eng": (), "acme/dba": ("bob",)})
    decision = evaluate(request(), POLICIES, ctx)
    assert codes(decision.findings) == ["not-eligible"]
    assert not decision.allowed


def test_unknown_team_offline_is_a_note_not_an_error() -> None:
    decision = evaluate(request(), POLICIES, context(head=None, author=None, teams={}))
    finding = only(decision.findings, "team-unresolved")
    assert finding.severity == "note"
    assert finding.message == (
        "alice is not listed by name for prod-db, and membership of acme/eng cannot be "
        "checked offline; the pull-request validator resolves it"
    )
    assert decision.valid
    assert not decision.allowed


def test_unknown_team_online_is_an_error() -> None:
    decision = evaluate(request(), POLICIES, context(review("bob"), teams={"acme/dba": ["bob"]}))
    finding = only(decision.findings, "team-unresolved")
    assert finding.severity == "error"
    assert "could not be resolved" in finding.message
    assert not decision.allowed


def test_a_listed_user_needs_no_team_lookup() -> None:
    decision = evaluate(request("carol"), POLICIES, context(author="carol", head=None, teams={}))
    assert decision.findings == ()


def test_duration_over_max_matches_the_documented_message() -> None:
    decision = evaluate(request(duration=8 * 3600), POLICIES, context(review("bob")))
    assert only(decision.findings, "duration-over-max").as_text() == (
        "requests/alice/incident.yaml:4:11: error[duration-over-max]: 8h exceeds the 4h "
        "maximum for prod-db; ask for 4h or less"
    )
    assert not decision.allowed


def test_duration_at_the_max_is_allowed_and_one_second_more_is_not() -> None:
    decision = evaluate(request(duration=4 * 3600), POLICIES, context(review("bob")))
    assert decision.allowed
    decision = evaluate(request(duration=4 * 3600 + 1), POLICIES, context(review("bob")))
    assert only(decision.findings, "duration-over-max").message.startswith(
        "4h1s exceeds the 4h maximum"
    )


def test_ticket_required_when_the_resource_names_a_pattern() -> None:
    pol = policies(resource(ticket=r"(INC|CHG)-[0-9]+"))
    decision = evaluate(request(), pol, context(review("bob")))
    finding = only(decision.findings, "ticket-required")
    assert finding.line == 6
    assert finding.message == (
        "prod-db requires a ticket matching (INC|CHG)-[0-9]+; add a ticket: line with the "
        "incident or change id"
    )


def test_ticket_must_match_fully() -> None:
    pol = policies(resource(ticket=r"(INC|CHG)-[0-9]+"))
    for bad in ("INC-4711 and more", "xINC-1", "INC-"):
        decision = evaluate(request(ticket=bad), pol, context(review("bob")))
        assert codes(decision.findings) == ["ticket-mismatch"], bad
    decision = evaluate(request(ticket="CHG-7"), pol, context(review("bob")))
    assert decision.allowed
    assert "ticket 'CHG-7' matches (INC|CHG)-[0-9]+, as prod-db requires" in decision.matched_rules


def test_an_overlong_ticket_is_refused_without_running_the_regex() -> None:
    pol = policies(resource(ticket=r"(a+)+"))
    decision = evaluate(request(ticket="a" * 5000), pol, context(review("bob")))
    assert codes(decision.findings) == ["ticket-mismatch"]


def test_an_invalid_ticket_pattern_refuses_every_ticket() -> None:
    pol = policies(resource(ticket="("))
    decision = evaluate(request(ticket="INC-1"), pol, context(review("bob")))
    assert codes(decision.findings) == ["ticket-pattern-invalid"]


def test_ticket_is_optional_without_a_pattern() -> None:
    decision = evaluate(request(ticket="anything"), POLICIES, context(review("bob")))
    assert decision.allowed


def test_inside_hours_is_a_matched_rule() -> None:
    pol = policies(resource(hours=office_hours()))
    decision = evaluate(request(), pol, context(review("bob")))
    assert decision.allowed
    assert (
        "access would start Mon 2026-11-23 10:00 Europe/Berlin, inside the hours of prod-db "
        "(Mon-Fri 08:00-18:00 Europe/Berlin)"
    ) in decision.matched_rules


def test_outside_hours_says_when_the_next_window_opens() -> None:
    pol = policies(resource(hours=office_hours()))
    sunday = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    decision = evaluate(request(), pol, context(review("bob"), now=sunday))
    finding = only(decision.findings, "outside-hours")
    assert finding.line == 7
    assert finding.message == (
        "access to prod-db may only start Mon-Fri 08:00-18:00 Europe/Berlin, but it would "
        "start Sun 2026-11-22 10:00 Europe/Berlin; the next window opens Mon 2026-11-23 "
        "08:00 Europe/Berlin, so set not_before: 2026-11-23T07:00:00Z or ask again then"
    )
    assert not decision.allowed


def test_not_before_moves_the_start_into_the_window() -> None:
    pol = policies(resource(hours=office_hours()))
    sunday = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    decision = evaluate(request(not_before=T0), pol, context(review("bob"), now=sunday))
    assert decision.allowed
    assert decision.starts_at == T0
    assert decision.expires_at == T0 + timedelta(hours=2)


def test_an_explicit_context_start_wins_over_now_and_not_before() -> None:
    later = T0 + timedelta(days=1)
    ctx = context(start=later)
    assert access_start(request(not_before=T0 + timedelta(days=3)), ctx) == later
    assert access_start(request(not_before=T0 - timedelta(days=3)), context()) == T0


def test_hours_with_an_unknown_zone_or_that_never_open_refuse_every_start() -> None:
    for hours in (
        office_hours(tz="Mars/Olympus"),
        office_hours(days=()),
        Hours(frozenset({"mon"}), time(18), time(8), "UTC"),
    ):
        decision = evaluate(request(), policies(resource(hours=hours)), context(review("bob")))
        finding = only(decision.findings, "outside-hours")
        assert "ask the policy owners to fix it" in finding.message


def test_requester_must_be_the_pull_request_author() -> None:
    decision = evaluate(request(), POLICIES, context(review("bob"), author="mallory"))
    finding = only(decision.findings, "requester-not-author")
    assert finding.message == (
        "this request is for alice but the pull request was opened by mallory; a request "
        "must be opened by the person it is for, so alice should open it"
    )
    assert not decision.allowed


def test_author_comparison_ignores_case_and_is_skipped_offline() -> None:
    assert evaluate(request(), POLICIES, context(review("bob"), author="ALICE")).allowed
    offline = evaluate(request(), POLICIES, context(author=None))
    assert "requester-not-author" not in codes(offline.findings)


def test_findings_without_positions_have_no_line() -> None:
    decision = evaluate(request(duration=9 * 3600, positions={}), POLICIES, context())
    assert only(decision.findings, "duration-over-max").location() == (
        "requests/alice/incident.yaml"
    )


def test_a_resource_without_stages_or_auto_approval_is_never_approved() -> None:
    pol = policies(resource(stages=()))
    decision = evaluate(request(), pol, context(review("bob")))
    assert decision.valid
    assert not decision.allowed
    assert decision.auto_approve_reason == "prod-db has no auto-approval rule"


def test_stage_count_below_one_still_needs_one_approval() -> None:
    pol = policies(resource(stages=((("acme/dba",), 0),)))
    decision = evaluate(request(), pol, context())
    assert decision.stages[0].count == 1
    assert not decision.allowed


def test_unresolved_approver_team_online_is_a_warning() -> None:
    ctx = context(review("bob"), teams={"acme/eng": ["alice"]})
    decision = evaluate(request(), POLICIES, ctx)
    finding = only(decision.findings, "team-unresolved")
    assert (finding.severity, finding.line) == ("warning", 1)
    assert finding.message.startswith("membership of acme/dba could not be resolved")
    assert decision.stages[0].undecided
    assert not decision.allowed


def test_expiry_is_none_when_it_would_leave_the_calendar() -> None:
    edge = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    decision = evaluate(request(), POLICIES, context(now=edge))
    assert decision.starts_at == edge
    assert decision.expires_at is None


def test_outside_hours_at_the_edge_of_the_calendar_still_explains() -> None:
    pol = policies(resource(hours=office_hours()))
    edge = datetime.min.replace(tzinfo=timezone(timedelta(hours=14)))  # before year 1 in UTC
    decision = evaluate(request(), pol, context(review("bob"), now=edge))
    finding = only(decision.findings, "outside-hours")
    assert "it would start 0001-01-01T00:00:00+14:00; pick a start inside" in finding.message
    assert decision.starts_at == edge


def test_no_policy_can_allow_more_than_the_absolute_maximum() -> None:
    pol = policies(resource(max_duration=ABSOLUTE_MAX_SECONDS * 2))
    decision = evaluate(request(duration=ABSOLUTE_MAX_SECONDS + 60), pol, context(review("bob")))
    assert only(decision.findings, "duration-over-max").message == (
        "90d1m exceeds the 90d maximum for prod-db; ask for 90d or less"
    )


def test_a_duration_that_is_not_positive_is_refused() -> None:
    for seconds in (0, -3600):
        decision = evaluate(request(duration=seconds), POLICIES, context(review("bob")))
        assert codes(decision.findings) == ["duration-invalid"]
        assert not decision.allowed
