"""The audit commands through click (``jit.cli.cli``) and through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from jit.audit.canon import line_hash
from jit.audit.store import AuditLog
from jit.cli import cli
from tests.audit.helpers import lifecycle, lines_of, write_lines

FUTURE = datetime(2099, 1, 1, tzinfo=UTC)  # an active grant, whatever the real clock says


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    log = AuditLog(tmp_path)
    lifecycle(log, "alice-db-0000aaaa")
    lifecycle(log, "bob-db-0000bbbb", requester="bob", at=FUTURE, revoke=None)
    return tmp_path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", *args])
    return result.exit_code, result.output


def test_verify_exits_0_on_an_intact_log(repo: Path) -> None:
    code, output = invoke("verify", "--repo", str(repo))
    assert code == 0, output
    assert "ok   the hash chain is intact and ends at HEAD (seq 8," in output
    assert "2 grants, 1 revocations, 1 active and unexpired" in output
    assert f"note git history not checked: {repo} is not a git work tree" in output
    assert output.endswith("verified: every check holds\n")


def test_verify_exits_1_and_names_the_first_broken_entry(repo: Path) -> None:
    lines = lines_of(repo, "audit/2026/11.jsonl")
    write_lines(repo, "audit/2026/11.jsonl", lines[:3] + lines[4:])
    code, output = invoke("verify", "--repo", str(repo), "--no-git")
    assert code == 1
    assert "FAIL audit/2026/11.jsonl:4: seq 3: removed: expected seq 3, found seq 4" in output
    assert "note git history not checked (--no-git)" in output
    assert output.endswith("NOT verified: 1 problem(s) listed above\n")


def test_verify_flags_an_overdue_grant_unless_within_grace(repo: Path) -> None:
    log = AuditLog(repo)
    lifecycle(log, "carol-db-0000cccc", requester="carol", revoke=None)  # expired in 2026
    code, output = invoke("verify", "--repo", str(repo), "--grace", "0")
    assert code == 1 and "grant carol-db-0000cccc (prod-db-readonly for carol) expired" in output
    assert invoke("verify", "--repo", str(repo), "--grace", "90d")[0] == 0


def test_verify_with_git_outside_a_work_tree_is_an_error(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(repo), "--git"])
    assert result.exit_code == 1 and "is not in a git work tree" in str(result.exception)


def test_verify_in_a_git_work_tree_checks_history(repo: Path) -> None:
    subprocess.run(["git", "init", "--quiet"], cwd=repo, check=True)
    subprocess.run(["git", "add", "audit"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "jit: audit"], cwd=repo, check=True)
    code, output = invoke("verify", "--repo", str(repo))
    assert code == 0, output
    assert "ok   all 1 committed versions of HEAD in git history are on this chain" in output


def test_verify_rejects_a_bad_grace(repo: Path) -> None:
    code, output = invoke("verify", "--repo", str(repo), "--grace", "soon")
    assert code == 2 and "Invalid value for --grace" in output


def test_report_prints_the_requested_format(repo: Path) -> None:
    code, output = invoke("report", "--repo", str(repo), "--format", "json", "--user", "alice")
    assert code == 0
    assert [row["grant_id"] for row in json.loads(output)] == ["alice-db-0000aaaa"]
    code, output = invoke("report", "--repo", str(repo), "--since", "2026-11-01",
                          "--until", "2026-11-30", "--resource", "prod-db-readonly")  # fmt: skip
    assert (
        code == 0 and output.startswith("| Grant | Requester |") and "alice-db-0000aaaa" in output
    )


def test_the_audit_dir_comes_from_the_settings(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies/settings.yaml").write_text("audit:\n  dir: records/audit\n")
    lifecycle(AuditLog(tmp_path, "records/audit"), "alice-db-0000aaaa")
    code, output = invoke("verify", "--repo", str(tmp_path))
    assert code == 0 and output.startswith("records/audit/: 5 intact entries in 1 month files")


def test_unreadable_settings_stop_verify(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies/settings.yaml").write_text("audit: [not, a, mapping]\n")
    result = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(tmp_path)])
    assert result.exit_code == 1
    assert "reading where the audit log lives: policies/settings.yaml" in str(result.exception)


def test_the_entry_point_maps_usage_errors_to_exit_2(repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jit", "audit", "report", "--repo", str(repo), "--since", "soon"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Error: --since 'soon' is not a date or time" in done.stderr


def test_verify_an_empty_log(tmp_path: Path) -> None:
    code, output = invoke("verify", "--repo", str(tmp_path))
    assert code == 0 and "ok   the log is empty (no entries, no HEAD)" in output


def test_verify_in_a_shallow_clone_says_so(repo: Path, tmp_path: Path) -> None:
    origin = repo
    subprocess.run(["git", "init", "--quiet"], cwd=origin, check=True)
    for message in ("one", "two"):
        (origin / "README.md").write_text(message)
        subprocess.run(["git", "add", "."], cwd=origin, check=True)
        subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=origin, check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--depth=1", f"file://{origin}", str(clone)],
                   check=True)  # fmt: skip
    code, output = invoke("verify", "--repo", str(clone))
    assert code == 0, output
    assert "note shallow clone: only the fetched history was checked" in output


def test_a_settings_file_that_is_a_symlink_stops_verify(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "elsewhere.yaml").write_text("audit:\n  dir: x\n")
    (tmp_path / "policies/settings.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(tmp_path)])
    assert result.exit_code == 1 and "policies/settings.yaml" in str(result.exception)


def test_verify_reports_a_forgery_committed_over_history(repo: Path) -> None:
    subprocess.run(["git", "init", "--quiet"], cwd=repo, check=True)
    subprocess.run(["git", "add", "audit"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "jit: audit"], cwd=repo, check=True)
    log = AuditLog(repo)
    lines = lines_of(repo, "audit/2099/01.jsonl")[:-1]  # drop bob's delivery, re-point HEAD
    write_lines(repo, "audit/2099/01.jsonl", lines)
    (repo / "audit/HEAD").write_text(f'{{"hash":"{line_hash(lines[-1])}","seq":7}}\n')
    subprocess.run(["git", "commit", "--quiet", "-am", "tidy"], cwd=repo, check=True)
    code, output = invoke("verify", "--repo", str(repo))
    assert code == 1 and log.recorded_head() is not None
    assert "ok   all" not in output
    assert "FAIL audit/2099/01.jsonl:4: seq 8: truncated: commit " in output
    assert "recorded the log up to seq 8, but it now ends at seq 7" in output
