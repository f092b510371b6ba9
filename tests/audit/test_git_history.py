"""``jit audit verify`` against git history, with real git: rewriting both the log and HEAD is
caught by the HEAD versions committed before, unless history itself is rewritten."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from jit.adapters import git_history
from jit.audit import entries as E
from jit.audit.canon import canonical, line_hash, seal
from jit.audit.store import AuditLog
from jit.audit.verify import verify_log
from jit.errors import OperationalError
from tests.audit.helpers import T0, lines_of, write_lines

NOV = "audit/2026/11.jsonl"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Three bot commits, each appending two entries and moving HEAD."""
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    log = AuditLog(tmp_path)
    for run in range(3):
        log.append([E.drift(what=f"run {run} a"), E.drift(what=f"run {run} b")],
                   T0 + timedelta(minutes=run))  # fmt: skip
        git(tmp_path, "add", "--", *log.paths_touched)
        git(tmp_path, "commit", "--quiet", "-m", f"jit: run {run}")
    return tmp_path


def forge_from(root: Path, seq: int, keep: int = 6) -> None:
    """Rewrite entries from ``seq`` (with the right previous hash) and HEAD, keeping ``keep``."""
    lines = lines_of(root, NOV)
    forged, prev = lines[:seq], line_hash(lines[seq - 1])
    for n in range(seq, keep):
        _, line = seal(E.drift(what=f"forged {n}"), seq=n, ts="2026-11-03T09:02:00Z", prev=prev)
        forged.append(line)
        prev = line_hash(line)
    write_lines(root, NOV, forged)
    (root / "audit/HEAD").write_bytes(canonical({"seq": keep - 1, "hash": prev}) + b"\n")


def test_file_versions_lists_every_committed_head_newest_first(repo: Path) -> None:
    versions = git_history.file_versions(repo, "audit/HEAD")
    assert [commit for commit, _ in versions] == git(repo, "log", "--format=%H").split("\n")
    assert versions[0][1] == (repo / "audit/HEAD").read_bytes().rstrip(b"\n")
    assert git_history.in_work_tree(repo) and not git_history.is_shallow(repo)


def test_a_consistent_rewrite_of_log_and_head_is_caught(repo: Path) -> None:
    forge_from(repo, 3)
    log = AuditLog(repo)
    assert verify_log(log, now=T0).ok  # without history, a consistent forgery passes
    broken = verify_log(log, now=T0, history=git_history.file_versions(repo, "audit/HEAD"))
    first = broken.chain.first_broken
    assert first is not None and (first.seq, first.line_no, first.reason) == (3, 4, "rewritten")
    assert "after seq 1 (which commit " in first.message


def test_cutting_entries_and_rewriting_head_is_caught(repo: Path) -> None:
    forge_from(repo, 4, keep=4)  # drop the last two entries, point HEAD at seq 3
    result = verify_log(
        AuditLog(repo), now=T0, history=git_history.file_versions(repo, "audit/HEAD")
    )
    first = result.chain.first_broken
    assert first is not None and first.reason == "truncated" and first.seq == 4
    assert "recorded the log up to seq 5, but it now ends at seq 3" in first.message


def test_committing_the_forgery_is_still_caught(repo: Path) -> None:
    forge_from(repo, 3)
    git(repo, "commit", "--quiet", "-am", "innocent")
    result = verify_log(
        AuditLog(repo), now=T0, history=git_history.file_versions(repo, "audit/HEAD")
    )
    assert not result.ok
    assert "the log was rewritten between those commits" in result.violations[0].message
    assert result.checkpoint_problems == 1


def test_outside_a_work_tree_or_before_the_first_commit(tmp_path: Path) -> None:
    assert not git_history.in_work_tree(tmp_path)
    git(tmp_path, "init", "--quiet")
    assert git_history.in_work_tree(tmp_path)
    assert git_history.file_versions(tmp_path, "audit/HEAD") == []


def test_a_broken_repository_is_an_operational_error(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    obj = repo / ".git/objects" / head[:2] / head[2:]
    obj.chmod(0o600)
    obj.write_bytes(b"corrupt")
    with pytest.raises(OperationalError, match="reading the history of audit/HEAD"):
        git_history.file_versions(repo, "audit/HEAD")


def test_git_missing_is_a_clear_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "nowhere"))
    assert not git_history.in_work_tree(repo)
