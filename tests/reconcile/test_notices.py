"""The reconciler's PR comments, against golden files (JIT_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jit.reconcile import notices
from tests.golden import assert_golden
from tests.reconcile.helpers import make

GOLDEN = Path(__file__).parent / "golden"
RECORD = make(
    "alice-db-1a2b3c4d",
    kind="kubernetes-rolebinding",
    handle={"binding_kind": "RoleBinding", "name": "jit-alice-db-1a2b3c4d", "namespace": "orders"},
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("denied", notices.denied("requests/alice/db", ["Approval stage 1 needs 1 approval."])),
        ("granted", notices.granted(RECORD)),
        ("revoked-expired", notices.revoked(RECORD, "expired", None, 300)),
        ("revoked-withdrawn", notices.revoked(RECORD, "withdrawn", "erin", 0)),
        ("revoked-out-of-band", notices.revoked(RECORD, "out-of-band", None, 0)),
        ("reminder", notices.reminder(RECORD, 15)),
        ("closed", notices.closed(RECORD, "The request was withdrawn before it was issued.")),
    ],
)
def test_comment(name: str, text: str) -> None:
    assert_golden(GOLDEN / f"{name}.md", text)


def test_hostile_text_renders_as_plain_text() -> None:
    body = notices.denied(
        "requests/alice/x",
        ["'<img src=https://evil.example/x>' is not a resource; ping @acme/everyone [here](x)"],
    )
    assert "<img" not in body and "&lt;img" in body
    assert "@acme" not in body and "\\[here\\]" in body
    assert notices.marker("denied", "requests/a--b-->") == "<!-- jit:denied:requests/a-b-> -->"
    hostile = make("g-1", requester="<b>x</b>")
    assert "<b>" not in notices.reminder(hostile, 5)


def test_a_withdrawal_by_neither_the_requester_nor_a_revoker_is_explained() -> None:
    assert_golden(
        GOLDEN / "revoked-withdrawn-neither.md",
        notices.revoked(RECORD, "withdrawn", "mallory", 0, "neither"),
    )
    body = notices.revoked(RECORD, "withdrawn", "@evil", 0, "revoker")
    assert "@evil" not in body and "(a revoker of this resource)" in body
