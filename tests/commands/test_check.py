"""``jit check`` through the real command line (jit.cli.main and its error handler)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import jit.commands.check as check_command
from jit.cli import main
from jit.commands.check import run
from jit.errors import UsageError
from tests.parse.helpers import ROOT, make_repo

GOOD = "requester: alice\nresource: k8s-view\nduration: 30m\nreason: Fine\n"
OVER = "requester: alice\nresource: db-readonly\nduration: 8h\nreason: Long\nticket: INC-1\n"


def jit(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """Run ``jit ARGS`` as the console script does: exit code, stdout, stderr."""
    runner = CliRunner()
    monkeypatch.setattr(sys, "argv", ["jit", *args])
    with runner.isolation() as (out, err, _):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        else:  # pragma: no cover - main always exits
            code = None
        return int(code or 0), out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path,
        {"requests/alice/good.yaml": GOOD, "requests/alice/over.yaml": OVER},
    )


def test_the_repository_itself_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = jit(monkeypatch, "check", "--repo", str(ROOT))
    assert code == 0, out
    assert " 0 errors" in err
    assert "error[" not in out


def test_text_format_and_exit_1(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = jit(monkeypatch, "check", "--repo", str(repo))
    assert code == 1
    assert out == (
        "requests/alice/over.yaml:3:11: error[duration-over-max]: 8h exceeds the 4h maximum "
        "for db-readonly; ask for 4h or less\n"
    )
    assert err == "jit check: 2 requests, 5 resources: 1 error, 0 warnings, 0 notes\n"


def test_json_format(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = jit(monkeypatch, "check", "--repo", str(repo), "--format", "json")
    assert code == 1
    assert [(f["file"], f["line"], f["column"], f["code"]) for f in json.loads(out)] == [
        ("requests/alice/over.yaml", 3, 11, "duration-over-max")
    ]


def test_github_format(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = jit(monkeypatch, "check", "--repo", str(repo), "--format", "github")
    assert code == 1
    assert out.startswith(
        "::error file=requests/alice/over.yaml,line=3,col=11,title=jit duration-over-max::8h "
    )


def test_paths_limit_the_requests_checked(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = jit(
        monkeypatch, "check", "--repo", str(repo), str(repo / "requests/alice/good.yaml")
    )
    assert (code, out) == (0, "")
    assert "1 request," in err
    code, _, err = jit(monkeypatch, "check", "--repo", str(repo), str(repo / "requests"))
    assert code == 1
    assert "2 requests" in err
    monkeypatch.chdir(repo)
    code, out, _ = jit(monkeypatch, "check", "requests/alice/over.yaml", "policies/cases.yaml")
    assert code == 1
    assert out.startswith("requests/alice/over.yaml:3:11:")


def test_a_path_outside_requests_is_a_finding(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "notes.yaml").write_text(GOOD)
    code, out, _ = jit(monkeypatch, "check", "--repo", str(repo), str(repo / "notes.yaml"))
    assert code == 1
    assert out.startswith("notes.yaml: error[not-a-request]:")


def test_author(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = str(repo / "requests/alice/good.yaml")
    assert jit(monkeypatch, "check", "--repo", str(repo), "--author", "alice", good)[0] == 0
    code, out, _ = jit(monkeypatch, "check", "--repo", str(repo), "--author", "bob", good)
    assert code == 1
    assert "error[requester-not-author]" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "Invalid value for '--format'"),
        (["--author", "not a login"], "is not a valid GitHub login"),
        (["/"], "is not inside the repository"),
        (["requests/nobody.yaml"], "does not exist"),
        (["--no-such-flag"], "No such option"),
    ],
)
def test_usage_errors_exit_2(
    repo: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(repo)
    code, out, err = jit(monkeypatch, "check", *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_repo_that_is_not_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = jit(monkeypatch, "check", "--repo", str(tmp_path / "missing"))
    assert code == 2
    assert "is not a directory" in err


def test_a_directory_without_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = jit(monkeypatch, "check", "--repo", str(tmp_path))
    assert code == 1
    assert out.startswith("policies/: error[no-policies]: there is no policies/ directory in")


def test_a_bug_exits_3_with_a_short_message(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(check_command, "load_repo", broken)
    code, out, err = jit(monkeypatch, "check", "--repo", str(repo))
    assert code == 3
    assert "This is a bug in jit" in err
    assert "Traceback" not in err and out == ""


def test_help_lists_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = jit(monkeypatch, "check", "--help")
    assert code == 0
    text = " ".join(out.split())  # click wraps to the terminal's width
    assert "--author LOGIN" in text and "2 usage error, 3 a bug in jit" in text


def test_a_request_for_a_resource_with_a_broken_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path, {"requests/alice/a.yaml": GOOD.replace("k8s-view", "token")})
    policy = (
        (root / "policies/cases.yaml").read_text().replace("max_duration: 1d", "max_duration: 0d")
    )
    (root / "policies/cases.yaml").write_text(policy)
    code, out, _ = jit(monkeypatch, "check", "--repo", str(root))
    assert code == 1
    assert "requests/alice/a.yaml:2:11: error[resource-policy-invalid]: the policy of token" in out
    assert "policies/cases.yaml:" in out and "error[duration-zero]" in out


def test_run_refuses_an_unknown_format(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(UsageError) as caught:
        run(tmp_path, None, "xml", (), out=out, err=err)
    assert str(caught.value) == "--format must be one of text, json, github, not 'xml'"
    assert caught.value.exit_code == 2
    assert out.getvalue() == err.getvalue() == ""  # the error handler prints it


def test_a_usage_error_is_one_redacted_line_and_an_annotation_in_actions(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Usage errors take the one error path: ``Error:`` on stderr, exit 2, and in Actions the
    same annotation as any other jit error. A hostile path cannot break the line or leak."""
    monkeypatch.chdir(repo)
    code, out, err = jit(monkeypatch, "check", "requests/nobody.yaml")
    assert (code, out, err) == (2, "", "Error: requests/nobody.yaml does not exist\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    token = "hvs." + "A" * 24
    code, out, err = jit(monkeypatch, "check", f"requests/x\n::warning::{token}.yaml")
    assert code == 2
    assert err == "Error: requests/x ::warning::[redacted].yaml does not exist\n"
    assert out == "::error title=jit::requests/x%0A::warning::[redacted].yaml does not exist\n"
