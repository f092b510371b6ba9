"""The delivery comments, checked against golden files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jit.delivery import (
    DeliveryPayload,
    choose_delivery,
    delivery_marker,
    find_armored,
    find_plain_payload,
    render_delivery_comment,
    render_plain_token_comment,
    render_refusal_comment,
)
from tests.delivery.helpers import ED, RSA, SK
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
GRANT = "alice-incident-4711-3f2a9c1b"
ENDS = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
UNWRAP_BY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ARMORED = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n-----END AGE ENCRYPTED FILE-----\n"
PAYLOAD = DeliveryPayload(
    "https://vault.example.com", None, "hvs.plain-wrap-token", GRANT, ENDS.isoformat()
)


def test_encrypted_delivery_comment() -> None:
    plan = choose_delivery([ED, RSA, SK], "refuse")
    body = render_delivery_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-orders",
        expires_at=ENDS,
        unwrap_by=UNWRAP_BY,
        armored=ARMORED,
        plan=plan,
    )
    assert body.splitlines()[0] == delivery_marker(GRANT) == f"<!-- jit:delivery {GRANT} -->"
    assert find_armored(body) == [ARMORED]
    assert "jit unwrap" in body
    assert_golden(GOLDEN / "delivery-encrypted.md", body)


def test_encrypted_delivery_comment_without_wrap_deadline_or_skipped_keys() -> None:
    body = render_delivery_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-orders",
        expires_at=ENDS,
        unwrap_by=None,
        armored=ARMORED,
        plan=choose_delivery([ED], "refuse"),
    )
    assert "Unwrap before" not in body
    assert "Keys jit could not use" not in body


def test_plain_token_comment() -> None:
    plan = choose_delivery([SK], "wrapping-token")
    body = render_plain_token_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-orders",
        expires_at=ENDS,
        unwrap_by=UNWRAP_BY,
        payload=PAYLOAD,
        plan=plan,
    )
    assert body.splitlines()[0] == delivery_marker(GRANT)
    assert find_plain_payload(body) == PAYLOAD
    assert "works **only once** and only until **2026-03-02 10:00 UTC**" in body
    assert "someone else did before you" in body
    assert_golden(GOLDEN / "delivery-plain-token.md", body)


def test_refusal_comment_lists_the_skipped_keys() -> None:
    body = render_refusal_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-orders",
        plan=choose_delivery([SK, "junk"], "refuse"),
    )
    assert body.splitlines()[0] == delivery_marker(GRANT)
    assert "ssh-keygen -t ed25519" in body
    assert "gh ssh-key add ~/.ssh/id_ed25519.pub --type authentication" in body
    assert_golden(GOLDEN / "delivery-refused.md", body)


def test_refusal_comment_with_no_keys_at_all() -> None:
    body = render_refusal_comment(
        grant_id=GRANT, requester="alice", resource="db-orders", plan=choose_delivery([], "refuse")
    )
    assert "Your GitHub account has no SSH keys." in body


def test_hostile_names_are_rendered_inert() -> None:
    body = render_refusal_comment(
        grant_id=GRANT,
        requester="<img src=x>@team",
        resource="x` <!-- jit:delivery other -->",
        plan=choose_delivery([], "refuse"),
    )
    assert "<img" not in body
    assert body.count("<!-- jit:delivery") == 1
