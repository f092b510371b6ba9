"""A backend error that echoes a secret-looking string (a Kubernetes admission webhook's
message, a proxy's error page) is recorded and reported with it redacted. The audit log refuses
such values, so recording the raw message would fail the whole result commit: every grant the
run issued would go unrecorded, and the run would fail the same way while the error lasts."""

from __future__ import annotations

from pathlib import Path

from tests.reconcile.world import World

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlc2ln"
BODY = f'{{"kind":"Status","apiVersion":"v1","status":"Failure","message":"bearer {JWT} denied"}}'


def test_an_error_echoing_a_token_is_redacted_and_other_grants_are_recorded(
    world: World, tmp_path: Path
) -> None:
    world.request("alice", "tok", "db-token")
    world.request("bob", "k8s", "orders-debug")
    world.kube.fail_next(403, times=100, method="POST", raw_body=BODY)
    summary = tmp_path / "summary.md"
    result = world.run(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    assert result.code == 4, result.out
    statuses = {r.requester: r.status for r in world.records().values()}
    assert statuses == {"alice": "active", "bob": "issuing"}
    (failure,) = [e for e in world.audit() if e["type"] == "grant-failed"]
    assert "[redacted]" in str(failure["error"])
    for channel in (result.out, summary.read_text(), world.remote.log("-p")):
        assert JWT not in channel
    assert world.verify().ok
