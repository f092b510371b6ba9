"""Hostile text in a request is judged when the PR is validated: a request name cannot look
like a credential, and no field that reaches the audit log or a comment may hold text the audit
log's secret guard refuses (issue 9, finding 1)."""

from __future__ import annotations

import pytest

from jit.parse.request import parse_request

TOKEN = "hvs." + "A" * 24
OK = b"requester: alice\nresource: db\nduration: 1h\nreason: Investigate INC-4711\n"


@pytest.mark.parametrize(
    "name",
    [
        TOKEN,  # a Vault token as the file name
        "s." + "a" * 24,
        "Incident-4711",  # upper case
        "incident.4711",  # a dot
        "incident_4711",
        "incident--4711",  # double hyphen
        "-incident",
        "incident-",
        "a" * 65,
    ],
)
def test_request_names_use_a_charset_that_cannot_look_like_a_credential(name: str) -> None:
    request, findings = parse_request(f"requests/alice/{name}.yaml", OK)
    assert request is None
    (finding,) = [f for f in findings if f.code == "request-path"]
    assert "lowercase letters, digits and single hyphens" in finding.message
    assert "rename" in finding.message
    assert TOKEN not in finding.message  # the message never repeats a credential


@pytest.mark.parametrize("name", ["incident-4711", "x", "a" * 64, "db-2026-11-22"])
def test_plain_names_pass(name: str) -> None:
    request, findings = parse_request(f"requests/alice/{name}.yaml", OK)
    assert request is not None and not findings


@pytest.mark.parametrize(
    ("field", "value", "line"),
    [
        ("reason", f"the old token {TOKEN} leaked", 4),
        ("ticket", "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJl", 5),
        ("reason", "-----BEGIN OPENSSH PRIVATE KEY-----", 4),
    ],
)
def test_a_field_the_audit_guard_would_refuse_is_a_finding_at_its_line(
    field: str, value: str, line: int
) -> None:
    text = OK.decode() + 'ticket: "INC-1"\n'
    text = text.replace(
        "reason: Investigate INC-4711" if field == "reason" else 'ticket: "INC-1"',
        f"{field}: {value!r}".replace("'", '"'),
    )
    request, findings = parse_request("requests/alice/x.yaml", text.encode())
    assert request is None
    (finding,) = [f for f in findings if f.code == "secret-looking"]
    assert (finding.file, finding.line) == ("requests/alice/x.yaml", line)
    assert field in finding.message and "rephrase" in finding.message
    assert value not in finding.message and TOKEN not in finding.message
