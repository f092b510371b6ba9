"""``jit audit evidence`` in process: the pack's contents from a reconciled repository, the
policy changes named from commit messages, access reviews found in the log, and refusals."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from jit.audit.canon import canonical, line_hash, seal
from jit.audit.evidence import Pack, index_html, policy_change
from jit.audit.store import AuditLog
from jit.cli import cli
from jit.commands.evidence import _inside, run_evidence
from jit.errors import JitError, UsageError
from tests.docs.sample import Sample, build
from tests.reconcile.gitrepo import git

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return build(tmp_path_factory.mktemp("access"))


@pytest.fixture
def clone(sample: Sample, tmp_path: Path) -> Path:
    copy = tmp_path / "clone"
    shutil.copytree(sample.root, copy)
    git(copy, "clean", "-fdxq")
    return copy


def evidence(repo: Path, target: Path, period: str = "2026-11") -> tuple[int, str]:
    out = io.StringIO()
    code = run_evidence(repo, period, target, out=out, now=NOW)
    return code, out.getvalue()


def test_a_month_pack_holds_reports_policies_changes_and_a_manifest(
    clone: Path, tmp_path: Path
) -> None:
    code, said = evidence(clone, tmp_path / "pack")
    assert code == 0 and said.startswith(f"wrote 13 files to {tmp_path / 'pack'}/ for 2026-11")
    pack = tmp_path / "pack"
    assert "requests/alice/unapproved" in (pack / "report.csv").read_text()
    assert "<!doctype html>" in (pack / "report.html").read_text()
    index = (pack / "index.html").read_text()
    assert '<a href="policies-start/resources.yaml">resources.yaml</a>' in index
    assert "prod-db-readonly: clearer wording (#5)" in index
    assert "5 grant(s) and 1 denial(s) in the period" in index
    sums = dict(
        reversed(line.split("  ")) for line in (pack / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {p.relative_to(pack).as_posix() for p in pack.rglob("*")
                         if p.is_file() and p.name != "SHA256SUMS"}  # fmt: skip


def test_access_review_entries_in_the_log_are_included(clone: Path, tmp_path: Path) -> None:
    log = AuditLog(clone)
    head = log.head()
    assert head is not None
    entry, line = seal({"type": "access-review", "reviewer": "erin", "resource": "db-group"},
                       seq=head.seq + 1, ts="2026-11-20T10:00:00Z", prev=head.hash)  # fmt: skip
    with (clone / "audit/2026/11.jsonl").open("ab") as month:
        month.write(line + b"\n")
    (clone / "audit/HEAD").write_bytes(
        canonical({"hash": line_hash(line), "seq": entry["seq"]}) + b"\n"
    )
    code, _ = evidence(clone, tmp_path / "pack")
    pack = tmp_path / "pack"
    (review,) = [json.loads(x) for x in (pack / "access-reviews.ndjson").read_text().splitlines()]
    assert review["reviewer"] == "erin"
    assert "1 access-review record(s) from the audit log" in (pack / "index.html").read_text()
    assert code == 0  # the chain verifies; an uncommitted HEAD is newer than every checkpoint


def test_a_pack_of_a_log_that_does_not_verify_says_so_and_exits_1(
    clone: Path, tmp_path: Path
) -> None:
    month = clone / "audit/2026/11.jsonl"
    month.write_text(month.read_text().replace('"requester":"bob"', '"requester":"eve"', 1))
    code, said = evidence(clone, tmp_path / "pack")
    assert code == 1 and "the audit log does NOT verify" in said
    assert "NOT verified" in (tmp_path / "pack/index.html").read_text()


def test_refusals(clone: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--period 'Q4' is not a quarter"):
        evidence(clone, tmp_path / "x", "Q4")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.txt").write_text("x")
    with pytest.raises(JitError, match="is not an empty folder"):
        evidence(clone, tmp_path / "full")
    bare = tmp_path / "not-git"
    shutil.copytree(clone / "audit", bare / "audit")
    with pytest.raises(JitError, match="is not a git work tree"):
        evidence(bare, tmp_path / "y")
    with pytest.raises(JitError, match="cannot copy safely"):
        _inside("policies/../x")


def test_the_cli_writes_the_pack(clone: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["audit", "evidence", "--repo", str(clone), "--period", "2026-Q4", "-o",
              str(tmp_path / "q4")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "q4" / "index.html").exists()


@pytest.mark.parametrize(
    ("message", "pr", "approvers"),
    [
        ("prod-db: wording (#12)\n\nbody", 12, ()),
        ("Merge pull request #7 from acme/x\n\nTighten approvals", 7, ()),
        ("Tighten\n\nApproved-by: carol\nReviewed-by: dave <d@x>\n", None, ("carol", "dave <d@x>")),
        ("", None, ()),
    ],
)
def test_a_policy_change_names_its_pr_and_recorded_approvals(
    message: str, pr: int | None, approvers: tuple[str, ...]
) -> None:
    change = policy_change("c" * 40, "2026-11-02T09:30:00+00:00", "erin", message, [], "d.diff")
    assert (change.pr, change.approvers) == (pr, approvers)


def test_the_index_escapes_what_commits_say() -> None:
    change = policy_change(
        "c" * 40, "t", "<b>eve</b>", "<script>x</script>", ["M\tpolicies/a"], "d"
    )
    page = index_html(
        Pack(
            period="2026-11",
            start=NOW,
            end=NOW,
            generated=NOW,
            repository="r",
            verified=True,
            verification="ok",
            links=[],
            start_commit=None,
            end_commit=None,
            changes=[change],
            reviews=0,
            grants=0,
            denials=0,
        )
    )
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "none recorded: no PR in the commit message" in page
