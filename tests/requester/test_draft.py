"""The request file ``jit request`` writes: any text reads back exactly as given."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from jit.parse import parse_request
from jit.parse.values import REQUEST_NAME_MAX, REQUEST_NAME_RE
from jit.parse.yaml.loader import load_yaml
from jit.requester.draft import Draft, render, request_name, scalar

NOW = datetime(2026, 12, 3, 19, 26, tzinfo=UTC)
HOSTILE = [
    'x"\nresource: prod-db-admin',
    "x\n---\nrequester: mallory",
    "it's fine # not a comment",
    "ends with a backslash \\",
    "line\u2028separator\x85next line",
    "\ufeffbom and \u202eright-to-left",
    "{a: b}, [c], &anchor *alias !tag |",
    "yes",
    "null",
    "1.5",
    "0x1f",
    "@acme/dba please approve <script>",
    "tab\there",
    " leading and trailing ",
    "",
]


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_every_text_reads_back_as_written(text: str) -> None:
    loaded = load_yaml("x.yaml", f"value: {scalar(text)}\n".encode("utf-8", "surrogatepass"))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return  # not UTF-8: no file can hold it, and the command line cannot pass it
    assert loaded.data == {"value": text}, loaded.findings


def test_hostile_reasons_stay_inside_their_value() -> None:
    for reason in HOSTILE:
        text = render(Draft("alice", "prod-db-readonly", "2h", reason, "INC-1"))
        assert len(text.splitlines()) == 7  # no value added a line, in any line-break form
        loaded = load_yaml("requests/alice/x.yaml", text.encode())
        assert loaded.data is not None, (reason, loaded.findings)
        assert loaded.data["reason"] == reason
        assert loaded.data["resource"] == "prod-db-readonly"
        assert set(loaded.data) == {"requester", "resource", "duration", "reason", "ticket"}


def test_a_clean_request_round_trips_through_the_parser() -> None:
    draft = Draft("alice", "prod-db-readonly", "1h30m", "Investigate INC-4711", "INC-4711",
                  "2026-12-04T09:00:00Z")  # fmt: skip
    request, findings = parse_request("requests/alice/x.yaml", render(draft).encode())
    assert findings == []
    assert request is not None
    assert (request.reason, request.ticket, request.duration) == (
        "Investigate INC-4711",
        "INC-4711",
        5400,
    )
    assert request.not_before == datetime(2026, 12, 4, 9, tzinfo=UTC)


@given(st.text(max_size=120), st.one_of(st.none(), st.text(max_size=120)))
@settings(max_examples=200, deadline=None)
def test_names_always_follow_the_rule(resource: str, ticket: str | None) -> None:
    name = request_name(Draft("alice", resource, "1h", "r", ticket), NOW, ())
    assert REQUEST_NAME_RE.fullmatch(name)
    assert len(name) <= REQUEST_NAME_MAX


def test_names_are_readable_and_unique() -> None:
    draft = Draft("alice", "prod-db-readonly", "1h", "r", "INC-4711")
    assert request_name(draft, NOW, ()) == "inc-4711-20261203"
    taken = {"inc-4711-20261203", "inc-4711-20261203-2"}
    assert request_name(draft, NOW, taken) == "inc-4711-20261203-3"
    no_ticket = Draft("alice", "prod-db-readonly", "1h", "r")
    assert request_name(no_ticket, NOW, ()) == "prod-db-readonly-20261203"
