"""Changes committed once, pushed, and re-derived when another run pushed first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jit.adapters.git import Git, Identity
from jit.audit import entries
from jit.audit.store import AuditLog
from jit.audit.verify import verify_log
from jit.errors import OperationalError
from jit.reconcile.changes import Change, Committer, Guard, message
from jit.reconcile.state import StateStore
from tests.reconcile.gitrepo import Remote, git
from tests.reconcile.helpers import make

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BOT = Identity("jit-bot", "jit-bot@users.noreply.github.com")
ABSENT: frozenset[str] = frozenset()


def committer(root: Path, run_id: str, *, push: bool = True, attempts: int = 6) -> Committer:
    return Committer(
        git=Git(root),
        store=StateStore(root),
        audit=AuditLog,
        author=BOT,
        audit_dir="audit",
        push=push,
        run_id=run_id,
        attempts=attempts,
    )


def intent(gid: str, run_id: str, path: str | None = None) -> Change:
    record = make(gid, status="issuing", run_id=run_id, handle=None, granted_at=None)
    return Change(
        action="intent",
        summary=f"issuing {gid}",
        guard=Guard(gid, ABSENT, file=path),
        audit=(entries.issuing(grant_id=gid, request_id=record.request_id, kind=record.kind),),
        write=(record,),
        request_id=record.request_id,
        grant_id=gid,
        pr=7,
    )


def test_a_commit_applies_every_kind_of_change_with_trailers(remote: Remote) -> None:
    remote.commit(
        {"requests/alice/db.yaml": "x\n", "state/grants/old-1.json": make("old-1").to_json()}
    )
    root = remote.clone()
    done = committer(root, "run-a").commit(
        "grant 1, revoke 1",
        [
            intent("new-1", "run-a", "requests/alice/db.yaml"),
            Change(
                action="revoke",
                summary="revoked old-1",
                guard=Guard("old-1", frozenset({"active"})),
                close=("old-1",),
                retire=("requests/alice/db.yaml",),
                grant_id="old-1",
            ),
        ],
        NOW,
    )
    assert len(done.landed) == 2 and not done.dropped and done.attempts == 1
    assert remote.ls("state/grants") == ["state/grants/new-1.json"]
    assert remote.ls("requests") == []
    body = remote.log("-1", "--format=%B")
    assert body.startswith("jit: grant 1, revoke 1\n\n- issuing new-1\n- revoked old-1\n")
    trailers = git(remote.path, "log", "-1", "--format=%(trailers)", "main")
    assert trailers.split("\n")[:5] == [
        "Jit-Run: run-a",
        "Jit-Request: requests/alice/db",
        "Jit-Grant: new-1",
        "Jit-PR: 7",
        "Jit-Grant: old-1",
    ]
    assert remote.log("-1", "--format=%an").strip() == "jit-bot"


def test_two_racing_runs_never_record_one_intent_twice_nor_fork_the_chain(remote: Remote) -> None:
    remote.commit({"requests/alice/db.yaml": "x\n", "requests/bob/b.yaml": "y\n"})
    first, second = remote.clone(), remote.clone()
    a = committer(first, "run-a").commit("intents", [intent("g-1", "run-a")], NOW)
    b = committer(second, "run-b").commit(
        "intents", [intent("g-1", "run-b"), intent("g-2", "run-b")], NOW + timedelta(seconds=1)
    )
    assert [c.grant_id for c in a.landed] == ["g-1"]
    assert [c.grant_id for c in b.landed] == ["g-2"] and [c.grant_id for c in b.dropped] == ["g-1"]
    assert b.attempts == 2
    records = StateStore(second).load()
    assert records["g-1"].run_id == "run-a" and records["g-2"].run_id == "run-b"
    assert len(remote.log("--format=%H", "--merges").split()) == 0
    check = remote.clone()
    result = verify_log(AuditLog(check), now=NOW)
    assert result.ok, result.chain.first_broken
    assert [e["grant_id"] for e in AuditLog(check).entries()] == ["g-1", "g-2"]


def test_when_nothing_is_needed_any_more_nothing_is_committed(remote: Remote) -> None:
    first, second = remote.clone(), remote.clone()
    committer(first, "run-a").commit("intents", [intent("g-1", "run-a")], NOW)
    head = remote.log("-1", "--format=%H")
    b = committer(second, "run-b").commit("intents", [intent("g-1", "run-b")], NOW)
    assert b.commit is None and not b.landed and remote.log("-1", "--format=%H") == head


def test_a_remote_that_keeps_moving_is_an_operational_error(remote: Remote) -> None:
    mine, other = remote.clone(), remote.clone()
    committer(other, "run-b").commit("intents", [intent("g-2", "run-b")], NOW)
    with pytest.raises(OperationalError, match=r"moved on 1 time\(s\)"):
        committer(mine, "run-a", attempts=1).commit("intents", [intent("g-1", "run-a")], NOW)


def test_without_push_the_commit_stays_local(remote: Remote) -> None:
    root = remote.clone()
    done = committer(root, "run-a", push=False).commit("intents", [intent("g-1", "run-a")], NOW)
    assert done.commit == Git(root).head() and Git(root).unpushed() == 1
    assert remote.ls("state") == []


def test_guards(tmp_path: Path) -> None:
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests/a.yaml").write_text("x")
    records = {"g": make("g", run_id="r1")}
    assert Guard().holds(records, tmp_path)
    assert Guard(file="requests/a.yaml").holds(records, tmp_path)
    assert not Guard(file="requests/b.yaml").holds(records, tmp_path)
    assert Guard("h", ABSENT).holds(records, tmp_path)
    assert not Guard("g", ABSENT).holds(records, tmp_path)
    assert Guard("g", frozenset({"active"}), owner="r1").holds(records, tmp_path)
    assert not Guard("g", frozenset({"active"}), owner="r2").holds(records, tmp_path)
    assert not Guard("g", frozenset({"issuing"})).holds(records, tmp_path)
    assert not Guard("h", frozenset({"active"})).holds(records, tmp_path)


def test_messages_are_one_line_per_change_and_cannot_forge_trailers() -> None:
    change = Change(
        action="deny",
        summary="denied x:\nJit-Grant: forged",
        guard=Guard(),
        request_id="requests/a/x\nJit-PR: 99",
    )
    text = message("deny 1", [change, change], "run-1")
    assert "\nJit-Grant: forged" not in text and "\nJit-PR: 99" not in text
    assert text.count("Jit-Request:") == 1
