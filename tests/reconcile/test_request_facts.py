"""The granted entry records the request's reason, ticket and not_before (audit format v2),
as merged; secret-looking text in them is redacted, so it can neither leak into the log nor
make the log refuse the run's result."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.reconcile.world import World

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlc2ln"


def granted(world: World) -> dict[str, object]:
    (entry,) = [e for e in world.audit() if e["type"] == "granted"]
    return entry


def test_the_granted_entry_carries_reason_ticket_and_not_before(world: World) -> None:
    world.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    world.request("alice", "tok", "db-token", "1h", ticket="INC-4711",
                  not_before="2026-11-02T09:00:00Z")  # fmt: skip
    result = world.run()
    assert result.code == 0, result.out
    entry = granted(world)
    assert (entry["v"], entry["reason"], entry["ticket"], entry["not_before"]) == (
        2, "Investigate INC-4711, slow queries on orders", "INC-4711", "2026-11-02T09:00:00Z")  # fmt: skip
    assert world.verify().ok


def test_secret_looking_text_in_the_reason_is_denied_and_never_recorded(world: World) -> None:
    """A reason holding a credential is judged before the log sees it: the request is denied
    (saying why), nothing is granted, and the credential reaches neither the log nor the report."""
    path = "requests/alice/tok.yaml"
    text = f"requester: alice\nresource: db-token\nduration: 1h\nreason: pasted {JWT} oops\n"
    pr = world.github.add_pull("alice", {path: text})
    world.github.add_review(pr, "carol")
    world.merge(pr, {path: text})
    result = world.run()
    assert result.code == 1, result.out
    assert "reason cannot be recorded: it looks like a token or key" in result.out
    log = "".join(p.read_text() for p in (result.root / "audit").rglob("*.jsonl"))
    assert '"type":"denied"' in log and '"type":"granted"' not in log
    assert JWT not in log and JWT not in result.out
    assert world.verify().ok
