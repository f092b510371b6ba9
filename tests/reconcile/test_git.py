"""The git adapter against real repositories and a local bare remote."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jit.adapters.git import Git, Identity
from jit.errors import JitError, OperationalError
from tests.reconcile.gitrepo import Remote, git

BOT = Identity("jit-bot", "jit-bot@users.noreply.github.com")
WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_added_commits_finds_the_newest_adding_commit_on_the_first_parent(remote: Remote) -> None:
    first = remote.commit({"requests/alice/a.yaml": "a: 1\n", "requests/bob/b.yaml": "b\n"})
    remote.commit({"requests/alice/a.yaml": "a: 2\n"}, "modify")
    remote.commit({"requests/alice/a.yaml": None}, "delete")
    again = remote.commit({"requests/alice/a.yaml": "a: 3\n"}, "add again")
    found = Git(remote.clone()).added_commits("requests/")
    assert found == {"requests/alice/a.yaml": again, "requests/bob/b.yaml": first}


def test_a_merge_commit_counts_as_adding_what_its_branch_added(remote: Remote) -> None:
    work = remote.work
    git(work, "checkout", "--quiet", "-b", "feature")
    (work / "requests/alice").mkdir(parents=True)
    (work / "requests/alice/x.yaml").write_text("x\n")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "branch commit")
    git(work, "checkout", "--quiet", "main")
    git(work, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #1", "feature")
    git(work, "push", "--quiet", "origin", "main")
    merge = git(work, "rev-parse", "HEAD").strip()
    assert Git(remote.clone()).added_commits() == {"requests/alice/x.yaml": merge}


def test_deleting_commit_blob_and_show(remote: Remote) -> None:
    remote.commit({"requests/alice/a.yaml": "a\n"})
    deleted = remote.commit({"requests/alice/a.yaml": None}, "withdraw")
    repo = Git(remote.clone())
    assert repo.deleting_commit("requests/alice/a.yaml") == deleted
    assert repo.deleting_commit("requests/alice/never.yaml") is None
    assert repo.show("README.md") == b"# access\n"
    assert repo.show("requests/alice/a.yaml") is None
    assert repo.blob_sha("README.md") == git(repo.root, "rev-parse", "HEAD:README.md").strip()
    assert repo.blob_sha("nope") is None
    assert repo.is_ancestor(deleted, "HEAD") and not repo.is_shallow()


def test_commit_as_the_bot_with_the_run_clock_and_verbatim_message(remote: Remote) -> None:
    repo = Git(remote.clone())
    assert repo.commit("nothing staged", BOT, WHEN) is None
    (repo.root / "state").mkdir()
    (repo.root / "state/x.json").write_text("{}\n")
    assert repo.dirty(["state"]) == ["state/x.json"]
    repo.add(["state/x.json"])
    sha = repo.commit("jit: grant 1\n\n# not a comment\n\nJit-Grant: g-1\n", BOT, WHEN)
    assert sha == repo.head()
    shown = git(repo.root, "log", "-1", "--format=%an <%ae>|%cn|%aI|%B")
    assert shown.startswith(
        "jit-bot <jit-bot@users.noreply.github.com>|jit-bot|2026-01-05T09:00:00+00:00|"
    )
    assert "# not a comment" in shown
    assert (
        git(repo.root, "log", "-1", "--format=%(trailers:key=Jit-Grant,valueonly)").strip() == "g-1"
    )
    assert repo.unpushed() == 1
    repo.rm(["state/x.json", "state/missing.json"])
    assert repo.commit("remove", BOT, WHEN) is not None


def test_push_reports_a_race_and_fetch_reset_catches_up(remote: Remote) -> None:
    mine, theirs = Git(remote.clone()), Git(remote.clone())
    for repo, name in ((mine, "a"), (theirs, "b")):
        (repo.root / name).write_text(name)
        repo.add([name])
        repo.commit(name, BOT, WHEN)
    assert theirs.push() == "pushed"
    assert mine.push() == "rejected"
    mine.fetch()
    mine.reset_to_remote()
    assert mine.head() == theirs.head() == mine.remote_head()
    assert (mine.root / "b").exists() and not (mine.root / "a").exists()


def test_a_push_that_fails_otherwise_is_operational_and_never_shows_the_token(
    remote: Remote,
) -> None:
    token = "ghs_supersecretpushtoken"
    repo = Git(remote.clone(), push_token=token, remote="nowhere")
    with pytest.raises(OperationalError) as caught:
        repo.push()
    message = str(caught.value)
    assert "nowhere" in message and token not in message
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert basic not in message
    assert repo._scrub(f"fatal: {token} {basic}".encode()) == "fatal: *** ***"


def test_the_token_reaches_git_through_config_variables_only(remote: Remote) -> None:
    token = "ghs_anothertoken"
    repo = Git(remote.clone(), push_token=token)
    config = git(repo.root, "config", "--list")
    assert token not in config  # nothing written to .git/config
    done = repo._run("config", "--get", "http.extraheader")
    assert done.stdout.decode().startswith("AUTHORIZATION: basic ")


def test_missing_git_is_a_user_error(remote: Remote, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Git(remote.clone(), base_env={"PATH": "/nonexistent"})
    with pytest.raises(JitError, match="no executable 'git'"):
        repo.head()


def test_a_failing_read_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(OperationalError, match="running git rev-parse"):
        Git(tmp_path).head()


def test_commit_messages_are_redacted(remote: Remote) -> None:
    repo = Git(remote.clone())
    (repo.root / "f.txt").write_text("x\n")
    repo.add(["f.txt"])
    token = "hvs." + "C" * 24
    assert repo.commit(f"jit: grant failed ({token})", BOT, datetime(2026, 1, 1, tzinfo=UTC))
    assert git(repo.root, "log", "-1", "--format=%B").strip() == "jit: grant failed ([redacted])"
