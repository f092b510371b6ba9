"""Hostile text in jit's comments never becomes a link GitHub makes by itself.

GitHub turns bare ``https://…``, ``www.…`` and e-mail addresses into links (the GFM autolink
extension), so a ticket or path quoted in a finding would be a clickable link in a comment
posted by the jit bot: a phishing aid. ``esc`` breaks them with a zero-width space.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from jit.findings import Finding
from jit.markdown import esc
from jit.pr.plan import PrPlan, RequestPlan
from jit.pr.render import render

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

ZWSP = "\u200b"
#: What cmark-gfm's autolink extension starts a link at (scheme://, www., e-mail).
AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|[A-Za-z0-9._+-]@[A-Za-z0-9]", re.I)


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/login",
        "see HTTP://evil.example",
        "ftp://evil.example/x",
        "www.evil.example/reset",
        "WWW.evil.example",
        "mail me: phish@evil.example",
        "mailto:phish@evil.example",
        "(https://evil.example)",
        "*https://evil.example*",
    ],
)
def test_no_autolink_survives_esc(text: str) -> None:
    out = esc(text)
    assert not AUTOLINK.search(out), out
    assert out.replace(ZWSP, "").replace("\\", "") == text  # reads the same


def test_plan_finding_quoting_a_url_is_not_a_link() -> None:
    ticket = "https://evil.example/sso-login?next=approve"
    finding = Finding(
        "requests/alice/x.yaml",
        5,
        9,
        "ticket-mismatch",
        "error",
        f"ticket {ticket!r} does not match ^INC-[0-9]+$; see www.evil.example for help",
    )
    plan = PrPlan(
        number=3,
        author="alice",
        head_sha="abcdef1234567890",
        now=NOW,
        requests=(RequestPlan("requests/alice/x.yaml", findings=(finding,)),),
    )
    outside = re.sub(r"(`+)(?:(?!\1).)*?\1", "", render(plan))  # text outside code spans
    assert not AUTOLINK.search(outside)
